package io.onceflow.core.internal.state;

/**
 * An event-time operator's guard against records dated too far ahead of the processor's clock. It reads the clock
 * only for a record dated past what its last reading allows: the clock only moves on, so a record within the bound of
 * an older reading is within the bound of the current one, and the common record costs a comparison.
 */
final class EventTime {

    private final long maxAheadMillis;
    private long clock = System.currentTimeMillis();

    EventTime(long maxAheadMillis) {
        this.maxAheadMillis = maxAheadMillis;
    }

    /** Whether {@code timestamp} is more than the bound ahead of the clock, read again when it may be. */
    boolean tooFarAhead(long timestamp) {
        if (!tooFarAhead(timestamp, clock, maxAheadMillis)) {
            return false;
        }
        clock = System.currentTimeMillis();
        return tooFarAhead(timestamp, clock, maxAheadMillis);
    }

    /** The clock's reading that {@link #tooFarAhead} last judged by, in epoch milliseconds. */
    long clock() {
        return clock;
    }

    long maxAheadMillis() {
        return maxAheadMillis;
    }

    /**
     * Whether {@code timestamp} is more than {@code maxAheadMillis} ahead of {@code now}: without overflow, whatever
     * the timestamp (a hostile record may carry {@code Long.MAX_VALUE}, or a negative one).
     */
    private static boolean tooFarAhead(long timestamp, long now, long maxAheadMillis) {
        return timestamp > now && timestamp - now > maxAheadMillis;
    }
}
