package io.onceflow.core;

import org.jspecify.annotations.Nullable;

/**
 * Keyed or window state that cannot be encoded at a checkpoint, does not decode back to what was encoded, or no
 * longer decodes after a restore. The message names the operator, the key, the partition and the type, and says
 * what to change (declare the state's type, give a {@link StateCodec}, or allow dropping the state).
 *
 * <p>Not retryable: the same state fails the same way after a restart. The checkpoint it happens in fails, nothing
 * of it commits, and the state the commit point holds is left as it was: state is never reset silently.
 *
 * @since 0.2
 */
public final class StateCodecException extends NonTransientFailureException {

    private static final long serialVersionUID = 1L;

    public StateCodecException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
