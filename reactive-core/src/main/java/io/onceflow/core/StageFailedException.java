package io.onceflow.core;

import org.jspecify.annotations.Nullable;

/**
 * A stage failed with a JVM {@link Error} (an {@code OutOfMemoryError} while decoding a huge record, a
 * {@code StackOverflowError} in a user function, a {@code LinkageError}): not a bad record, so not a dead letter,
 * but a failure of the run. The run fails visibly (its state, {@code lastError}, the restarts meter, a log line) and
 * restarts or stops per its {@link RestartPolicy}, which bounds the attempts when the same record fails every time.
 *
 * <p>Why not let the {@code Error} travel: Reactor rethrows JVM-fatal errors up the stack instead of signalling
 * them, so one thrown on a scheduler's worker ends that worker's task and the stream it fed never hears of it: the
 * pipeline stayed {@code RUNNING} with no progress and no error. Retryable.
 *
 * @since 0.2
 */
public final class StageFailedException extends TransientFailureException {

    private static final long serialVersionUID = 1L;

    public StageFailedException(String stage, @Nullable Origin origin, Throwable error) {
        super(
                "stage '" + stage + "' failed with " + error + (origin != null ? " on " + origin : "")
                        + ": a JVM error is not the record's fault; the run fails and restarts per its policy",
                error);
    }
}
