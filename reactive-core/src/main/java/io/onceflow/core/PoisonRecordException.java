package io.onceflow.core;

/**
 * A record could not be processed and the pipeline has no dead-letter destination. Not retryable: a replay would
 * meet the same record. The message names the record's topic, partition and offset.
 *
 * <p>Give the commit point a dead-letter destination to skip such records instead, exactly once.
 *
 * @since 0.1
 */
public final class PoisonRecordException extends NonTransientFailureException {

    private static final long serialVersionUID = 1L;

    private final Origin origin;

    public PoisonRecordException(String pipeline, DeadLetter<?> deadLetter) {
        super(
                "pipeline '" + pipeline + "': poison record at " + deadLetter.origin() + " (topic "
                        + deadLetter.origin().source() + ", partition "
                        + deadLetter.origin().partition()
                        + ", offset " + deadLetter.origin().offset() + ") failed in '" + deadLetter.stage() + "': "
                        + deadLetter.errorClass() + ": " + deadLetter.errorMessage()
                        + "; configure a dead-letter destination on the commit point to skip such records",
                deadLetter.error());
        this.origin = deadLetter.origin();
    }

    /** The record that could not be processed. */
    public Origin origin() {
        return origin;
    }
}
