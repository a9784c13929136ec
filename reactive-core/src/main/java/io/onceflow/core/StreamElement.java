package io.onceflow.core;

/**
 * One element of a checkpointed stream: a record ({@link Data}), a checkpoint barrier ({@link Marker}), or a record
 * that could not be processed ({@link DeadLetter}).
 *
 * <pre>
 *   source ──d1──d2──d3──[M1]──d4──x5──d6──[M2]──▶  sink
 *                         │          │      └ marker 2: d4, x5, d6 belong to checkpoint 2
 *                         │          └ dead letter: committed with checkpoint 2, not retried
 *                         └ marker 1: d1, d2, d3 belong to checkpoint 1
 * </pre>
 *
 * <p>Every operator keeps one rule: output derived from records before marker N leaves the operator before
 * marker N, and nothing derived from records after marker N leaves before it. Markers and dead letters pass
 * through user functions untouched. Java 17 has no pattern {@code switch}; dispatch with {@code instanceof}.
 *
 * @param <T> the type of the record values
 * @since 0.1
 */
public sealed interface StreamElement<T> permits Data, Marker, DeadLetter {

    /** Whether this element is a record. */
    default boolean isData() {
        return this instanceof Data;
    }

    /** Whether this element is a checkpoint marker. */
    default boolean isMarker() {
        return this instanceof Marker;
    }
}
