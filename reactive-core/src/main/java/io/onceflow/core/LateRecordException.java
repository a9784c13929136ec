package io.onceflow.core;

/**
 * A record arrived after every event-time window it belongs to had expired (its timestamp is older than the
 * watermark minus the allowed lateness). It is the error of the record's {@link DeadLetter}: late records are
 * dead-lettered, never silently dropped.
 *
 * @since 0.1
 */
public final class LateRecordException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public LateRecordException(Origin origin, long watermark, Windows windows) {
        super("record at " + origin + " with timestamp " + origin.timestamp() + " is later than the allowed lateness:"
                + " watermark " + watermark + ", windows " + windows);
    }
}
