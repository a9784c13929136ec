package io.onceflow.kafka.internal;

import io.onceflow.core.TransientFailureException;

/**
 * The changelog has not reached the state the committed offsets of a claimed partition were committed with: a claim
 * restoring from it now would start from older state. Retryable: the claim is tried again once the changelog has
 * caught up (a commit marker still on its way, or another transaction open on the partition until it ends).
 */
final class StaleChangelogException extends TransientFailureException {

    private static final long serialVersionUID = 1L;

    StaleChangelogException(String message) {
        super(message, null);
    }
}
