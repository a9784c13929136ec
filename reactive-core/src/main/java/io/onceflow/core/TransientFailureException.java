package io.onceflow.core;

import org.jspecify.annotations.Nullable;

/**
 * A failure that a restart from the last completed checkpoint can overcome: a broker or database that went away or
 * did not answer in time, a rebalance that moved partitions while a checkpoint was in flight, a previous owner's
 * transaction still open. Nothing is lost: the positions of the failed checkpoint were never committed, so the
 * restart replays it. The restart policy restarts the pipeline, within its bounds.
 *
 * @since 0.1
 */
public class TransientFailureException extends OnceflowException {

    private static final long serialVersionUID = 1L;

    public TransientFailureException(String message, @Nullable Throwable cause) {
        super(message, cause, true);
    }
}
