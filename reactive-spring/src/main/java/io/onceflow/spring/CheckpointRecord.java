package io.onceflow.spring;

import io.onceflow.core.CheckpointEvent;
import org.jspecify.annotations.Nullable;

/**
 * One checkpoint's outcome with the time it ended: what the {@code onceflow} endpoint lists, what
 * {@link CheckpointServerSentEvents} sends, and what a dashboard draws. Serializes to JSON as it reads.
 *
 * @param id the checkpoint id
 * @param outcome {@code COMPLETED} or {@code FAILED}
 * @param durationMillis from its marker to its commit, or to its failure
 * @param records records the sinks received in it
 * @param at when it ended, epoch milliseconds by the pipeline's scheduler
 * @param error why it failed
 * @since 0.1
 */
public record CheckpointRecord(
        long id,
        CheckpointEvent.Outcome outcome,
        double durationMillis,
        long records,
        long at,
        @Nullable String error) {

    /** The event, ended at {@code at}. */
    public static CheckpointRecord of(CheckpointEvent event, long at) {
        return new CheckpointRecord(
                event.checkpointId(),
                event.outcome(),
                event.duration().toNanos() / 1e6,
                event.records(),
                at,
                event.error().map(Throwable::toString).orElse(null));
    }

    /** Whether the checkpoint completed. */
    public boolean completed() {
        return outcome == CheckpointEvent.Outcome.COMPLETED;
    }
}
