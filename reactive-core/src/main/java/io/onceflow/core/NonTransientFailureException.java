package io.onceflow.core;

import org.jspecify.annotations.Nullable;

/**
 * A failure that a restart cannot overcome: a misconfiguration, a refused authorization, an instance fenced by a newer
 * one with its identity, a poison record with no dead-letter destination, state that no longer decodes. The pipeline
 * stops with it; what is committed stays committed, and a restart after the cause is fixed resumes from there.
 *
 * @since 0.1
 */
public class NonTransientFailureException extends OnceflowException {

    private static final long serialVersionUID = 1L;

    public NonTransientFailureException(String message, @Nullable Throwable cause) {
        super(message, cause, false);
    }
}
