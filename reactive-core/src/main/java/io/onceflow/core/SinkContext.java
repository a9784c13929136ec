package io.onceflow.core;

import io.micrometer.core.instrument.Tags;

/**
 * What a sink is given when the pipeline opens it for a run.
 *
 * @since 0.1
 */
public interface SinkContext extends ParticipantContext {

    /** The tags every meter of this sink carries: {@code pipeline} and {@code sink}. */
    @Override
    Tags tags();

    /**
     * Whether the pipeline's commit point has a dead-letter destination that an idempotent sink without one of its
     * own may hand the records it cannot write to ({@link #deadLetter}). False outside a pipeline.
     */
    default boolean acceptsDeadLetters() {
        return false;
    }

    /**
     * Hands a record this idempotent sink cannot write (a row the database refused) to the commit point, which
     * commits it as a dead letter with checkpoint {@code checkpointId}, the one being flushed: its skip is then
     * exactly-once like its checkpoint. Call it while flushing that checkpoint, before the flush completes.
     *
     * @throws UnsupportedOperationException when {@link #acceptsDeadLetters()} is false
     */
    default void deadLetter(long checkpointId, DeadLetter<?> deadLetter) {
        throw new UnsupportedOperationException("no dead-letter destination for this sink's records");
    }
}
