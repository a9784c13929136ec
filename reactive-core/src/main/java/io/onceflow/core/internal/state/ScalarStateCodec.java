package io.onceflow.core.internal.state;

import io.onceflow.core.StateCodec;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * State codecs for whole numbers and booleans, writing the same text JSON would without a trip through Jackson:
 * a running sum or count is the most common keyed state, and it is encoded at every checkpoint it changed in.
 */
final class ScalarStateCodec<S> implements StateCodec<S> {

    private final Function<String, S> parse;

    private ScalarStateCodec(Function<String, S> parse) {
        this.parse = parse;
    }

    /** The codec for {@code type}, or {@code null} when it is not a scalar this class handles. */
    @SuppressWarnings("unchecked")
    static <S> @Nullable StateCodec<S> forType(Class<S> type) {
        if (type == Long.class) {
            return (StateCodec<S>) new ScalarStateCodec<>(Long::valueOf);
        }
        if (type == Integer.class) {
            return (StateCodec<S>) new ScalarStateCodec<>(Integer::valueOf);
        }
        if (type == Boolean.class) {
            return (StateCodec<S>) new ScalarStateCodec<>(Boolean::valueOf);
        }
        return null;
    }

    @Override
    public byte[] encode(S state) {
        return state.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public S decode(byte[] bytes) {
        return parse.apply(new String(bytes, StandardCharsets.US_ASCII).trim());
    }
}
