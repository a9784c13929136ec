package io.onceflow.core;

import java.time.Duration;

/**
 * A checkpoint did not complete within the pipeline's checkpoint timeout: its marker was held up on the way to the
 * sinks, or a participant did not answer. Retryable.
 *
 * @since 0.1
 */
public final class CheckpointTimeoutException extends TransientFailureException {

    private static final long serialVersionUID = 1L;

    public CheckpointTimeoutException(String pipeline, long checkpointId, Duration timeout) {
        super(
                "pipeline '" + pipeline + "': checkpoint " + checkpointId + " did not complete within " + timeout
                        + "; raise checkpointTimeout if the sinks are slow, or check for an operator that never"
                        + " completes an inner publisher",
                null);
    }
}
