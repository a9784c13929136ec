package io.onceflow.core.internal.state;

/** The event-time operators' guard against records dated too far ahead of the processor's clock. */
final class EventTime {

    private EventTime() {}

    /**
     * Whether {@code timestamp} is more than {@code maxAheadMillis} ahead of {@code now}: without overflow, whatever
     * the timestamp (a hostile record may carry {@code Long.MAX_VALUE}, or a negative one).
     */
    static boolean tooFarAhead(long timestamp, long now, long maxAheadMillis) {
        return timestamp > now && timestamp - now > maxAheadMillis;
    }
}
