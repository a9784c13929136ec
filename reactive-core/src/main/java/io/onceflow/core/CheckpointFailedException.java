package io.onceflow.core;

/**
 * A checkpoint could not be made durable: a participant's flush or the commit point's commit failed.
 *
 * <p>Retryable: the checkpoint's positions were not committed, so the restart policy replays it from the previous
 * completed checkpoint.
 *
 * @since 0.1
 */
public final class CheckpointFailedException extends OnceflowException {

    private static final long serialVersionUID = 1L;

    private final long checkpointId;

    public CheckpointFailedException(String pipeline, long checkpointId, String participant, Throwable cause) {
        super(
                "pipeline '" + pipeline + "': checkpoint " + checkpointId + " failed in '" + participant + "': "
                        + cause,
                cause,
                !(cause instanceof OnceflowException onceflow) || onceflow.isRetryable());
        this.checkpointId = checkpointId;
    }

    /** The id of the checkpoint that failed. */
    public long checkpointId() {
        return checkpointId;
    }
}
