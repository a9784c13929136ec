package io.onceflow.core.internal.state;

import io.onceflow.core.internal.json.ReusedJsonGenerators;
import io.onceflow.core.internal.json.SpreadCreatorsModule;
import java.io.Serializable;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.JsonRecyclerPools;
import tools.jackson.databind.DatabindContext;
import tools.jackson.databind.DefaultTyping;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.jsontype.PolymorphicTypeValidator;

/**
 * The two Jackson mappers of keyed and window state.
 *
 * <p>{@link #PLAIN} writes plain JSON: state keys, which are never decoded by type but must read naturally in a state
 * table. {@link #TYPED} is the state codecs' mapper: it writes a value's class beside it wherever the declared type
 * does not determine it (a sealed interface, an {@code Object}, the elements of an erased collection), so that a
 * {@code HashMap<String, Long>} comes back with {@code Long}s and an {@code Active} comes back as an {@code Active}
 * where the declaration says {@code OrderState}. Both recycle their buffers per thread: state is encoded on the
 * pipeline's thread for every changed key at each checkpoint, and Jackson's default pool (a concurrent deque shared
 * by all threads) costs a push and a pop per value. For the same reason the codecs write through a generator kept per
 * thread ({@link ReusedJsonGenerators}), and {@link #TYPED} makes records through their constructor's handle spread
 * once ({@link SpreadCreatorsModule}): a restore decodes every entry it reads.
 */
final class StateJson {

    private StateJson() {}

    static final JsonMapper PLAIN = JsonMapper.builder(factory()).build();

    static final JsonMapper TYPED = JsonMapper.builder(factory())
            .activateDefaultTyping(new StateTypeValidator(), DefaultTyping.NON_FINAL)
            .addModule(new SpreadCreatorsModule())
            .build();

    /** Writes any value with its class: a state value of another class than the one its codec is bound to. */
    static final ReusedJsonGenerators OBJECT_WRITER = new ReusedJsonGenerators(TYPED.writerFor(Object.class));

    /** Reads what {@link #OBJECT_WRITER} wrote. */
    static final ObjectReader OBJECT_READER = TYPED.readerFor(Object.class);

    private static JsonFactory factory() {
        return JsonFactory.builder()
                .recyclerPool(JsonRecyclerPools.threadLocalPool())
                .build();
    }

    /**
     * Which classes a type id in state may name. State comes from the pipeline's own commit point, but a class name
     * read from bytes is still not instantiated blindly: a subtype of a declared abstract type is allowed (the
     * declaration bounds it), and where only {@code Object} is declared, value types are (records, enums, arrays,
     * boxed numbers and strings, {@code java.math}, {@code java.time}, the JDK's collections, maps and
     * {@code Optional}, {@code UUID}); a bean class is allowed where its declared base type is not {@code Object}.
     */
    private static final class StateTypeValidator extends PolymorphicTypeValidator.Base {

        private static final long serialVersionUID = 1L;

        @Override
        public Validity validateBaseType(DatabindContext context, JavaType baseType) {
            return Validity.INDETERMINATE;
        }

        @Override
        public Validity validateSubClassName(DatabindContext context, JavaType baseType, String subClassName) {
            return Validity.INDETERMINATE; // decided once the class is known, below
        }

        @Override
        public Validity validateSubType(DatabindContext context, JavaType baseType, JavaType subType) {
            Class<?> base = baseType.getRawClass();
            Class<?> sub = subType.getRawClass();
            boolean openBase = base == Object.class || base == Serializable.class || base == Comparable.class;
            if (!openBase && base.isAssignableFrom(sub)) {
                return Validity.ALLOWED;
            }
            return isValueType(sub) ? Validity.ALLOWED : Validity.DENIED;
        }

        private static boolean isValueType(Class<?> type) {
            if (type.isRecord() || type.isEnum() || type.isArray() || type.isPrimitive()) {
                return true;
            }
            if (type.getSuperclass() != null && type.getSuperclass().isEnum()) {
                return true; // an enum constant with a body
            }
            String name = type.getName();
            if (name.startsWith("java.lang.") && !name.startsWith("java.lang.reflect.")) {
                return type == String.class
                        || Number.class.isAssignableFrom(type)
                        || type == Boolean.class
                        || type == Character.class;
            }
            if (name.startsWith("java.math.") || name.startsWith("java.time.")) {
                return true;
            }
            if (name.startsWith("java.util.") && !Modifier.isAbstract(type.getModifiers())) {
                return Collection.class.isAssignableFrom(type)
                        || Map.class.isAssignableFrom(type)
                        || type == Optional.class
                        || type == java.util.UUID.class;
            }
            return false;
        }
    }
}
