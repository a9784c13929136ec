package io.onceflow.core;

import org.jspecify.annotations.Nullable;

/**
 * This pipeline instance lost ownership of a partition to a newer owner (a newer epoch, or a newer producer with
 * the same transactional id) and must not commit again. Not retryable: a restarted instance rejoins as a new owner.
 *
 * @since 0.1
 */
public final class FencedException extends NonTransientFailureException {

    private static final long serialVersionUID = 1L;

    public FencedException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
