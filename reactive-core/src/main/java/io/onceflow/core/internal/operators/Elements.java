package io.onceflow.core.internal.operators;

import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.Origin;
import io.onceflow.core.StreamElement;
import reactor.core.Exceptions;

/** Small helpers every operator uses to keep markers and dead letters flowing untouched. */
public final class Elements {

    private Elements() {}

    /**
     * A marker or dead letter as an element of another stream type. Both carry no value of the stream's type, so
     * the cast is safe; a {@link Data} is refused.
     */
    @SuppressWarnings("unchecked")
    public static <R> StreamElement<R> passThrough(StreamElement<?> element) {
        if (element instanceof Data) {
            throw new IllegalArgumentException("a record cannot pass through untyped: " + element);
        }
        return (StreamElement<R>) element;
    }

    /**
     * The dead letter for a record whose user function failed. Fatal JVM errors are rethrown instead: they are not
     * the record's fault.
     */
    public static <R> DeadLetter<R> deadLetter(Data<?> record, String stage, Throwable failure) {
        return deadLetter(record.origin(), stage, record.value(), failure);
    }

    /** The dead letter for a record at {@code origin} whose user function failed on {@code payload}. */
    public static <R> DeadLetter<R> deadLetter(Origin origin, String stage, Object payload, Throwable failure) {
        Exceptions.throwIfJvmFatal(failure);
        return new DeadLetter<>(origin, stage, payload, failure);
    }

    /** The failure for a user function that returned {@code null}, where a value is required. */
    public static NullPointerException nullResult(String stage) {
        return new NullPointerException("the " + stage + " function returned null");
    }
}
