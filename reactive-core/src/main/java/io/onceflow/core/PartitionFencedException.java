package io.onceflow.core;

import org.jspecify.annotations.Nullable;

/**
 * A partition this run claimed was claimed since by another owner (the group moved it while this instance was paused
 * past its session, or partitions were reassigned), so the checkpoint that included it was rolled back. Retryable:
 * the restarted run claims again what it is assigned and replays from the committed positions; the new owner keeps
 * the partition. Unlike a {@link FencedException}, which means another process runs this very instance, it does not
 * stop the pipeline.
 *
 * @since 0.2
 */
public final class PartitionFencedException extends TransientFailureException {

    private static final long serialVersionUID = 1L;

    public PartitionFencedException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
