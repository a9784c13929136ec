package io.onceflow.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Event-time windows: tumbling or sliding, with a watermark per source partition and allowed lateness.
 *
 * <p>Time is the records' {@link Origin#timestamp()}, never the wall clock, so a replay produces the same windows.
 * Each source partition has a watermark: the highest timestamp seen in it, minus {@link #maxOutOfOrderness}. A
 * window {@code [start, end)} fires (emits its final result) when the watermark reaches its end; a record that
 * arrives later but within {@link #allowedLateness} updates the window and re-emits it, marked as an update; a
 * record for windows older than that is dead-lettered as late, never silently dropped.
 *
 * <p>The one use of the wall clock is a guard: a record dated more than {@link #maxTimestampAhead} (five minutes by
 * default) ahead of the processor's clock is dead-lettered with a {@link FutureTimestampException} rather than taken,
 * since it would move the watermark past every record to come. A replay decides the same for every record but one
 * dated close to that bound, which the clock may have caught up with since; what committed was decided once either
 * way.
 *
 * <pre>{@code
 * flux.window(Windows.tumbling(Duration.ofMinutes(1)).allowedLateness(Duration.ofSeconds(10)),
 *             Payment::account, Totals::empty, Totals::add)
 * }</pre>
 *
 * @since 0.1
 */
public final class Windows {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

    /** How far ahead of the processor's clock a record's timestamp may be, unless {@link #maxTimestampAhead} says. */
    public static final Duration DEFAULT_MAX_TIMESTAMP_AHEAD = Duration.ofMinutes(5);

    private final long sizeMillis;
    private final long slideMillis;
    private final long allowedLatenessMillis;
    private final long maxOutOfOrdernessMillis;
    private final long maxTimestampAheadMillis;
    private final @Nullable String name;

    private Windows(long size, long slide, long lateness, long outOfOrderness, long maxAhead, @Nullable String name) {
        this.sizeMillis = size;
        this.slideMillis = slide;
        this.allowedLatenessMillis = lateness;
        this.maxOutOfOrdernessMillis = outOfOrderness;
        this.maxTimestampAheadMillis = maxAhead;
        this.name = name;
    }

    /** Back-to-back windows of {@code size}: each record falls in exactly one. */
    public static Windows tumbling(Duration size) {
        long millis = positiveMillis("size", size);
        return new Windows(millis, millis, 0, 0, DEFAULT_MAX_TIMESTAMP_AHEAD.toMillis(), null);
    }

    /**
     * Windows of {@code size} starting every {@code slide}: each record falls in {@code size / slide} of them.
     *
     * @throws IllegalArgumentException unless {@code 0 < slide <= size} and {@code slide} divides {@code size}
     */
    public static Windows sliding(Duration size, Duration slide) {
        long sizeMillis = positiveMillis("size", size);
        long slideMillis = positiveMillis("slide", slide);
        if (slideMillis > sizeMillis || sizeMillis % slideMillis != 0) {
            throw new IllegalArgumentException(
                    "slide must divide size and be at most size, was size " + size + " and slide " + slide);
        }
        return new Windows(sizeMillis, slideMillis, 0, 0, DEFAULT_MAX_TIMESTAMP_AHEAD.toMillis(), null);
    }

    /** How long after its end a window still accepts (and re-emits) late records. Defaults to zero. */
    public Windows allowedLateness(Duration lateness) {
        return new Windows(
                sizeMillis,
                slideMillis,
                nonNegativeMillis("allowedLateness", lateness),
                maxOutOfOrdernessMillis,
                maxTimestampAheadMillis,
                name);
    }

    /** How far behind the highest timestamp seen the watermark trails. Defaults to zero. */
    public Windows maxOutOfOrderness(Duration outOfOrderness) {
        return new Windows(
                sizeMillis,
                slideMillis,
                allowedLatenessMillis,
                nonNegativeMillis("maxOutOfOrderness", outOfOrderness),
                maxTimestampAheadMillis,
                name);
    }

    /**
     * How far ahead of the processor's clock a record's timestamp may be: a record dated later is dead-lettered with a
     * {@link FutureTimestampException} and changes nothing, where it would move the watermark past every record to
     * come. Defaults to {@link #DEFAULT_MAX_TIMESTAMP_AHEAD}; allow more for producers whose clocks run ahead, or for
     * input dated in the future on purpose.
     */
    public Windows maxTimestampAhead(Duration maxAhead) {
        return new Windows(
                sizeMillis, slideMillis, allowedLatenessMillis, maxOutOfOrdernessMillis, aheadMillis(maxAhead), name);
    }

    /** The operator's name, which identifies its state in the commit point. See {@link Keyed#named}. */
    public Windows named(String operatorName) {
        requireNonNull(operatorName, "operatorName");
        if (!NAME.matcher(operatorName).matches()) {
            throw new IllegalArgumentException(
                    "window operator name must be 1 to 100 letters, digits, '.', '_', ':' or '-', was '" + operatorName
                            + "'");
        }
        return new Windows(
                sizeMillis,
                slideMillis,
                allowedLatenessMillis,
                maxOutOfOrdernessMillis,
                maxTimestampAheadMillis,
                operatorName);
    }

    public long sizeMillis() {
        return sizeMillis;
    }

    public long slideMillis() {
        return slideMillis;
    }

    public long allowedLatenessMillis() {
        return allowedLatenessMillis;
    }

    public long maxOutOfOrdernessMillis() {
        return maxOutOfOrdernessMillis;
    }

    public long maxTimestampAheadMillis() {
        return maxTimestampAheadMillis;
    }

    public @Nullable String name() {
        return name;
    }

    /** The start of the last window that contains {@code timestamp}. */
    public long lastStart(long timestamp) {
        return Math.floorDiv(timestamp, slideMillis) * slideMillis;
    }

    private static long positiveMillis(String what, Duration duration) {
        requireNonNull(duration, what);
        if (duration.isNegative() || duration.isZero() || duration.toMillis() == 0) {
            throw new IllegalArgumentException(what + " must be at least 1 ms, was " + duration);
        }
        return duration.toMillis();
    }

    /** A bound ahead of the clock in milliseconds: a duration too long for a {@code long} of them is no bound. */
    static long aheadMillis(Duration maxAhead) {
        requireNonNull(maxAhead, "maxAhead");
        if (maxAhead.isNegative()) {
            throw new IllegalArgumentException("maxTimestampAhead must be >= 0, was " + maxAhead);
        }
        try {
            return maxAhead.toMillis();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    private static long nonNegativeMillis(String what, Duration duration) {
        requireNonNull(duration, what);
        if (duration.isNegative()) {
            throw new IllegalArgumentException(what + " must be >= 0, was " + duration);
        }
        return duration.toMillis();
    }

    @Override
    public String toString() {
        return (sizeMillis == slideMillis
                        ? "tumbling(" + sizeMillis + " ms"
                        : "sliding(" + sizeMillis + " ms every " + slideMillis + " ms")
                + ", lateness " + allowedLatenessMillis + " ms, out-of-orderness " + maxOutOfOrdernessMillis + " ms)";
    }
}
