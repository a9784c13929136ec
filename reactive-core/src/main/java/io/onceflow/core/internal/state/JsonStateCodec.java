package io.onceflow.core.internal.state;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.StateCodec;
import io.onceflow.core.StateCodecException;
import io.onceflow.core.internal.json.ReusedJsonGenerators;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.ObjectReader;

/**
 * The default {@link StateCodec}: JSON through Jackson 3, bound to a type, exact or loud.
 *
 * <p>Bound to a declared type ({@link io.onceflow.core.StateType}), it writes and reads that type, generics
 * included; the value's class goes beside it where the declaration does not determine it (a sealed interface, an
 * {@code Object}). Without a declaration it is bound to the class of the initial state: values of that class are
 * written as that class (a record as a plain JSON object), values of another class (another record of a sealed
 * interface) with their class; an erased generic class (a {@code HashMap}) has its elements' classes written.
 *
 * <p>A value whose type {@link ExactTypes} cannot prove exact is decoded again right after it is encoded and compared
 * with itself ({@link StateEquality}); one that does not come back equal fails with a {@link StateCodecException}
 * instead of being committed and restored as something else. Whole numbers and booleans of the bound class skip
 * Jackson: a running count is the most common state, encoded at every checkpoint it changed in.
 */
public final class JsonStateCodec<S> implements StateCodec<S> {

    private final JavaType bound;
    private final boolean declared;
    private final ReusedJsonGenerators writer;
    private final ObjectReader reader;
    private final @Nullable ScalarText scalar;
    private final ConcurrentMap<Class<?>, Boolean> exact = new ConcurrentHashMap<>();

    private JsonStateCodec(JavaType bound, boolean declared) {
        this.bound = bound;
        this.declared = declared;
        this.writer = new ReusedJsonGenerators(StateJson.TYPED.writerFor(bound));
        this.reader = StateJson.TYPED.readerFor(bound);
        this.scalar = ScalarText.forType(bound.getRawClass());
    }

    /** The codec of a declared type, generics included. */
    public static <S> JsonStateCodec<S> declared(Type type) {
        return new JsonStateCodec<>(StateJson.TYPED.getTypeFactory().constructType(requireNonNull(type, "type")), true);
    }

    /** The codec of a state whose type was not declared: bound to the class of its initial value. */
    public static <S> JsonStateCodec<S> inferred(Class<?> initialClass) {
        return new JsonStateCodec<>(
                StateJson.TYPED.getTypeFactory().constructType(requireNonNull(initialClass, "initialClass")), false);
    }

    /** Whether this codec is bound to exactly {@code type}. */
    public boolean binds(Class<?> type) {
        return bound.getRawClass() == type;
    }

    /** Whether this codec was bound to a declared type, rather than to the class of an initial state. */
    public boolean isDeclared() {
        return declared;
    }

    @Override
    public byte[] encode(S state) {
        Class<?> type = state.getClass();
        boolean bound = this.bound.getRawClass() == type;
        if (bound && scalar != null) {
            return scalar.encode(state);
        }
        byte[] bytes;
        try {
            bytes = bound || this.bound.getRawClass().isInstance(state)
                    ? writer.write(state)
                    : StateJson.OBJECT_WRITER.write(state);
        } catch (JacksonException e) {
            throw new StateCodecException(
                    "a " + describe(type) + " cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
        if (!exact.computeIfAbsent(type, this::isExact)) {
            verify(state, bytes);
        }
        return bytes;
    }

    @Override
    public S decode(byte[] bytes) {
        if (scalar != null && bytes.length > 0 && bytes[0] != '[') {
            String text = new String(bytes, StandardCharsets.US_ASCII).trim();
            try {
                @SuppressWarnings("unchecked")
                S value = (S) scalar.parse(text);
                return value;
            } catch (IllegalArgumentException e) {
                throw new StateCodecException(
                        "it does not decode as " + bound.toCanonical() + ": " + e.getMessage(), e);
            }
        }
        try {
            return reader.readValue(bytes);
        } catch (JacksonException boundFailure) {
            if (declared) {
                throw new StateCodecException(
                        "it does not decode as " + bound.toCanonical() + ": " + boundFailure.getOriginalMessage(),
                        boundFailure);
            }
            // written with its own class: another class than the initial state's (a sibling of a sealed interface)
            try {
                @SuppressWarnings("unchecked")
                S value = (S) StateJson.OBJECT_READER.readValue(bytes);
                return value;
            } catch (JacksonException selfDescribed) {
                throw new StateCodecException(
                        "it does not decode as " + bound.toCanonical() + " (the class of the initial state): "
                                + boundFailure.getOriginalMessage(),
                        boundFailure);
            }
        }
    }

    private boolean isExact(Class<?> type) {
        JavaType javaType = type == bound.getRawClass()
                ? bound
                : StateJson.TYPED.getTypeFactory().constructType(type);
        return ExactTypes.isExact(javaType);
    }

    private void verify(S state, byte[] bytes) {
        Object read;
        try {
            read = decode(bytes);
        } catch (RuntimeException e) {
            throw new StateCodecException(
                    "a " + describe(state.getClass()) + " is written, but " + e.getMessage() + "; " + remedy(), e);
        }
        if (!StateEquality.same(state, read)) {
            throw new StateCodecException(
                    "a " + describe(state.getClass()) + " does not decode to an equal value:" + " it was " + state
                            + " and reads back as " + read + "; " + remedy(),
                    null);
        }
    }

    private String describe(Class<?> type) {
        return type == bound.getRawClass() ? bound.toCanonical() : type.getName();
    }

    private String remedy() {
        return declared
                ? "give the state a StateCodec of its own, or a type Jackson round-trips (records, enums, collections"
                        + " and maps keyed by strings or numbers)"
                : "declare the state's type, generics included (stateType(new StateType<Map<String, Long>>() {}), or"
                        + " StateType.of(TheSealedInterface.class)), or give a StateCodec";
    }

    @Override
    public String toString() {
        return "JsonStateCodec[" + (declared ? "declared " : "inferred ") + bound.toCanonical() + "]";
    }

    /** Whole numbers and booleans as their JSON text, without Jackson. */
    private record ScalarText(Class<?> type) {

        static @Nullable ScalarText forType(Class<?> type) {
            return type == Long.class || type == Integer.class || type == Boolean.class ? new ScalarText(type) : null;
        }

        /** The value's JSON text in ASCII, written straight into its array: no String per encoded state. */
        byte[] encode(Object value) {
            if (value instanceof Boolean flag) {
                return (flag ? "true" : "false").getBytes(StandardCharsets.US_ASCII);
            }
            long number = ((Number) value).longValue();
            if (number == Long.MIN_VALUE) {
                return Long.toString(number).getBytes(StandardCharsets.US_ASCII);
            }
            long rest = Math.abs(number);
            // the digit count by comparison, not by dividing: a marker encodes every changed key's state
            int digits = 1;
            for (long bound = 10; digits < 19 && rest >= bound; bound *= 10) {
                digits++;
            }
            int length = number < 0 ? digits + 1 : digits;
            byte[] text = new byte[length];
            int at = length;
            while (rest >= 100) {
                int pair = (int) (rest % 100);
                rest /= 100;
                text[--at] = (byte) ('0' + pair % 10);
                text[--at] = (byte) ('0' + pair / 10);
            }
            text[--at] = (byte) ('0' + rest % 10);
            if (rest >= 10) {
                text[--at] = (byte) ('0' + rest / 10);
            }
            if (number < 0) {
                text[0] = '-';
            }
            return text;
        }

        Object parse(String text) {
            if (type == Long.class) {
                return Long.valueOf(text);
            }
            if (type == Integer.class) {
                return Integer.valueOf(text);
            }
            if (!text.equals("true") && !text.equals("false")) {
                throw new IllegalArgumentException("not a boolean: " + text);
            }
            return Boolean.valueOf(text);
        }
    }
}
