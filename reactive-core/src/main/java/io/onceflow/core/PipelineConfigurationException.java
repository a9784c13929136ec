package io.onceflow.core;

import org.jspecify.annotations.Nullable;

/**
 * A pipeline cannot start as configured: a missing table, a wrong column type, two commit points. The message
 * says what to change. Not retryable.
 *
 * @since 0.1
 */
public final class PipelineConfigurationException extends NonTransientFailureException {

    private static final long serialVersionUID = 1L;

    public PipelineConfigurationException(String message) {
        this(message, null);
    }

    public PipelineConfigurationException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
