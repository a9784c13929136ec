package io.onceflow.core;

import org.jspecify.annotations.Nullable;

/**
 * The base of Onceflow's exceptions; {@link #isRetryable()} tells the restart policy whether a restart can help.
 * Failures are thrown as a {@link TransientFailureException} (a restart can help) or a
 * {@link NonTransientFailureException} (it cannot), or as one of their subtypes; only a wrapper whose retryability is
 * its cause's, such as {@link CheckpointFailedException}, decides at construction.
 *
 * <p>Retryable failures (a checkpoint that failed or timed out, a broker or database that went away) lose nothing:
 * the positions of the failed checkpoint were never committed, so a restart replays it. Non-retryable ones (a poison
 * record with no dead-letter destination, an instance fenced by a newer owner, a misconfiguration) stop the
 * pipeline with this error.
 *
 * @since 0.1
 */
public class OnceflowException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final boolean retryable;

    /** For subtypes: a failure is a {@link TransientFailureException} or a {@link NonTransientFailureException}. */
    protected OnceflowException(String message, @Nullable Throwable cause, boolean retryable) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** Whether restarting the pipeline from its last completed checkpoint can overcome this failure. */
    public boolean isRetryable() {
        return retryable;
    }
}
