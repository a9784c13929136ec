package io.onceflow.demo;

import io.onceflow.core.CheckpointEvent;
import org.jspecify.annotations.Nullable;

/**
 * A checkpoint's outcome as {@code GET /pipeline/events} sends it (event {@code checkpoint}).
 *
 * @param id the checkpoint id
 * @param outcome {@code COMPLETED} or {@code FAILED}
 * @param durationMillis from its marker to its commit, or to its failure
 * @param records records it committed
 * @param at when it ended, epoch milliseconds
 * @param error why it failed
 * @since 0.1
 */
public record CheckpointView(
        long id,
        String outcome,
        double durationMillis,
        long records,
        long at,
        @Nullable String error) {

    static CheckpointView of(CheckpointEvent event) {
        return new CheckpointView(
                event.checkpointId(),
                event.outcome().name(),
                event.duration().toNanos() / 1e6,
                event.records(),
                System.currentTimeMillis(),
                event.error().map(Throwable::toString).orElse(null));
    }
}
