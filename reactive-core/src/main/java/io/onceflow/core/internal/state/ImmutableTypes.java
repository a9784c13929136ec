package io.onceflow.core.internal.state;

import java.lang.reflect.RecordComponent;
import java.util.HashSet;
import java.util.Set;

/**
 * Decides which state values cannot change once an operator has returned them, so that a checkpoint may keep the
 * value and encode it later, on the commit point's thread, rather than at the marker on the pipeline's.
 *
 * <p>Immutable: the scalars of {@link ExactTypes} (boxed primitives, strings, {@code BigDecimal}, {@code BigInteger},
 * {@code UUID}, the plain {@code java.time} values), enums (written by name), records whose every component is
 * declared as one of these, a primitive or another such record, and sealed interfaces whose every permitted subtype
 * is. Anything else may be changed in place by the user's function after the marker (a list it appends to, a bean, a
 * record holding an array or a {@code List}, a component typed by a type variable) and is encoded at the marker, as
 * its value was there. The answer depends on the class only, so it is computed once per class.
 */
final class ImmutableTypes {

    private ImmutableTypes() {}

    private static final ClassValue<Boolean> IMMUTABLE = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            return isImmutable(type, new HashSet<>());
        }
    };

    /** Whether a value of exactly this class cannot change. */
    static boolean isImmutable(Class<?> type) {
        return IMMUTABLE.get(type);
    }

    private static boolean isImmutable(Class<?> type, Set<Class<?>> visiting) {
        if (type.isPrimitive() || ExactTypes.SCALARS.contains(type) || type.isEnum()) {
            return true;
        }
        Class<?> parent = type.getSuperclass();
        if (parent != null && parent.isEnum()) {
            return true; // an enum constant with a body of its own
        }
        if (!visiting.add(type)) {
            return true; // a type that contains itself: immutable if the rest of it is
        }
        if (type.isRecord()) {
            for (RecordComponent component : type.getRecordComponents()) {
                if (!isImmutable(component.getType(), visiting)) {
                    return false;
                }
            }
            return true;
        }
        if (type.isInterface() && type.isSealed()) {
            for (Class<?> permitted : type.getPermittedSubclasses()) {
                if (!isImmutable(permitted, visiting)) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }
}
