package io.onceflow.core;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of a pipeline's state, for health checks and dashboards.
 *
 * @param state what the pipeline is doing
 * @param lastCompletedCheckpoint the id of the last completed checkpoint, or 0
 * @param lastCompletedAtMillis when it completed, by the pipeline's scheduler, or -1
 * @param restarts restarts since the pipeline was created
 * @param lastError the last failure, if any
 * @since 0.1
 */
public record PipelineStatus(
        State state,
        long lastCompletedCheckpoint,
        long lastCompletedAtMillis,
        long restarts,
        @Nullable Throwable lastError) {

    /** What a pipeline is doing. */
    public enum State {
        /** Not running. */
        IDLE,
        /** Running: reading, processing and checkpointing. */
        RUNNING,
        /** Waiting out the restart policy's backoff after a failure. */
        RESTARTING,
        /** Stopped after the restart policy gave up, or on a non-retryable failure. */
        FAILED,
        /** Stopped: its source completed, or it was stopped or cancelled. */
        STOPPED
    }

    public PipelineStatus {
        requireNonNull(state, "state");
    }

    public Optional<Throwable> error() {
        return Optional.ofNullable(lastError);
    }
}
