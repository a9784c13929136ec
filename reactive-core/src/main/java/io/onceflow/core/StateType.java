package io.onceflow.core;

import static java.util.Objects.requireNonNull;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;

/**
 * The declared type of a stateful operator's state (or of a window's key or aggregate), generics included, so that
 * the state codec decodes exactly what was encoded.
 *
 * <p>Java erases type arguments at run time: a {@code HashMap<String, Long>} state is just a {@code HashMap} to a
 * codec that looks at the value, and its numbers would come back as {@code Integer}s; a state declared as a sealed
 * interface is a different record from one key to the next. A {@code StateType} keeps the declaration. Capture a
 * generic type with an anonymous subclass, as with Jackson's {@code TypeReference}:
 *
 * <pre>{@code
 * Keyed.update(Payment::account, account -> new HashMap<String, Long>(), Totals::add)
 *         .named("totals")
 *         .stateType(new StateType<Map<String, Long>>() {})
 * Keyed.update(Order::id, Fresh::new, OrderState::apply)
 *         .named("orders")
 *         .stateType(StateType.of(OrderState.class))     // the sealed interface, not the initial record
 * }</pre>
 *
 * <p>Without a declared type the default codec infers one from the initial state and writes each value's class
 * with it where the value itself does not say (a sealed subtype, the numbers of an erased map), and checks, for
 * every value whose type it cannot prove exact, that it decodes back to an equal value; a value that does not
 * fails its checkpoint with {@link StateCodecException}. Declaring the type is cheaper and says what is meant.
 *
 * @param <S> the declared type
 * @since 0.2
 */
public abstract class StateType<S> {

    private final Type type;

    /** Captures the type argument of an anonymous subclass: {@code new StateType<Map<String, Long>>() {}}. */
    protected StateType() {
        Type superclass = getClass().getGenericSuperclass();
        if (!(superclass instanceof ParameterizedType parameterized)) {
            throw new IllegalArgumentException(
                    "StateType needs its type argument: write new StateType<Map<String, Long>>() {}");
        }
        Type argument = parameterized.getActualTypeArguments()[0];
        if (argument instanceof TypeVariable<?> variable) {
            throw new IllegalArgumentException("StateType of a type variable (" + variable.getName()
                    + ") captures nothing: give the concrete type, or use StateType.of(Class)");
        }
        this.type = argument;
    }

    private StateType(Type type) {
        this.type = requireNonNull(type, "type");
    }

    /** The state type of a class without type arguments, such as a record, or a sealed interface. */
    public static <S> StateType<S> of(Class<S> type) {
        requireNonNull(type, "type");
        if (type.getTypeParameters().length > 0) {
            throw new IllegalArgumentException(type.getName() + " has type parameters, which a Class cannot carry:"
                    + " capture them with new StateType<" + type.getSimpleName() + "<...>>() {}");
        }
        return new StateType<>(type) {};
    }

    /** The declared type, type arguments included. */
    public final Type type() {
        return type;
    }

    @Override
    public final boolean equals(Object other) {
        return other instanceof StateType<?> that && type.equals(that.type);
    }

    @Override
    public final int hashCode() {
        return type.hashCode();
    }

    @Override
    public final String toString() {
        return type.getTypeName();
    }
}
