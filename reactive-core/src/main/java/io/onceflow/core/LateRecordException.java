package io.onceflow.core;

import java.time.Duration;

/**
 * A record arrived after every event-time window it belongs to had expired (its timestamp is older than the
 * watermark minus the allowed lateness), or too late for a {@link Deduplicate} operator to tell whether it is a
 * duplicate (its timestamp is a retention or more behind the watermark). It is the error of the record's
 * {@link DeadLetter}: late records are dead-lettered, never silently dropped.
 *
 * @since 0.1
 */
public final class LateRecordException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public LateRecordException(Origin origin, long watermark, Windows windows) {
        super("record at " + origin + " with timestamp " + origin.timestamp() + " is later than the allowed lateness:"
                + " watermark " + watermark + ", windows " + windows);
    }

    /**
     * A record too late for deduplicate operator {@code operator}: keys first seen before its timestamp may have been
     * forgotten already.
     *
     * @since 0.2
     */
    public LateRecordException(String operator, Origin origin, long watermark, Duration retention) {
        super("deduplicate operator '" + operator + "': record at " + origin + " with timestamp " + origin.timestamp()
                + " is " + retention + " or more behind the watermark " + watermark + " of its partition: an earlier"
                + " record of its key may have been forgotten, so whether it is a duplicate can no longer be told");
    }
}
