package io.onceflow.core.internal.operators;

import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.Origin;
import io.onceflow.core.StageFailedException;
import io.onceflow.core.StreamElement;
import org.jspecify.annotations.Nullable;

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
     * The dead letter for a record whose user function failed. A JVM {@link Error} is not the record's fault: it
     * is thrown as a {@link StageFailedException}, which fails the run with a signal (Reactor would rethrow the
     * error itself up a worker's stack, and the stream would never hear of it).
     */
    public static <R> DeadLetter<R> deadLetter(Data<?> record, String stage, Throwable failure) {
        return deadLetter(record.origin(), stage, record.value(), failure);
    }

    /** The dead letter for a record at {@code origin} whose user function failed on {@code payload}. */
    public static <R> DeadLetter<R> deadLetter(Origin origin, String stage, Object payload, Throwable failure) {
        if (failure instanceof StageFailedException stageFailure) {
            throw stageFailure;
        }
        if (failure instanceof Error error) {
            throw new StageFailedException(stage, origin, error);
        }
        return new DeadLetter<>(origin, stage, payload, failure);
    }

    /**
     * {@code failure} as a stage may signal it: an {@link Error} wrapped in a {@link StageFailedException} (which
     * Reactor signals, where it would rethrow a JVM-fatal error up the stack), anything else as it is.
     */
    public static Throwable signallable(String stage, @Nullable Origin origin, Throwable failure) {
        return failure instanceof Error error ? new StageFailedException(stage, origin, error) : failure;
    }

    /** The failure for a user function that returned {@code null}, where a value is required. */
    public static NullPointerException nullResult(String stage) {
        return new NullPointerException("the " + stage + " function returned null");
    }
}
