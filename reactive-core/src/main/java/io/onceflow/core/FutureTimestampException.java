package io.onceflow.core;

import java.time.Duration;
import java.time.Instant;

/**
 * A record dated further ahead of the processor's clock than an event-time operator accepts
 * ({@link Windows#maxTimestampAhead}, {@link Deduplicate#maxTimestampAhead}): taken, it would move its partition's
 * watermark past every record to come, and they would all be dead-lettered as late, for as long as it is ahead. It is
 * dead-lettered instead, with this as its error, and moves nothing. One producer with a wrong clock, or one hostile
 * record (a broker with {@code message.timestamp.type=CreateTime} takes a timestamp up to an hour ahead by default),
 * would otherwise hold up its whole partition.
 *
 * @since 0.2
 */
public final class FutureTimestampException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /**
     * @param operator the operator, as a message names it: its kind and name, such as {@code window operator 'totals'}
     * @param origin where the record was read, with its timestamp
     * @param now the processor's clock when the record came by, in epoch milliseconds
     * @param maxAhead how far ahead of the clock the operator takes a timestamp
     */
    public FutureTimestampException(String operator, Origin origin, long now, Duration maxAhead) {
        super(operator + ": the record at " + origin + " has timestamp " + origin.timestamp() + " ("
                + Instant.ofEpochMilli(origin.timestamp()) + "), " + Duration.ofMillis(origin.timestamp() - now)
                + " ahead of this processor's clock, more than the " + maxAhead + " the operator takes: it would move"
                + " its partition's watermark past every record to come. Fix the producer's timestamps or clock, read"
                + " a topic whose timestamps the broker sets (message.timestamp.type=LogAppendTime), or allow more"
                + " with maxTimestampAhead(...)");
    }
}
