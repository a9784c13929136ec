package io.onceflow.benchmarks.report;

/**
 * The schedule of an open-loop load: record {@code i} is due at {@code start + i / rate}, whatever happened to the
 * records before it. A sender that falls behind sends the overdue records at once, and latency is measured from the
 * intended time of each record, not from when it was sent, so that a stall is charged to every record it delayed
 * (no coordinated omission).
 */
public final class OpenLoopPacer {

    private final long startNanos;
    private final double ratePerSecond;

    public OpenLoopPacer(long startNanos, double ratePerSecond) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("rate must be positive, was " + ratePerSecond);
        }
        this.startNanos = startNanos;
        this.ratePerSecond = ratePerSecond;
    }

    /** When record {@code index} (from 0) is due, on the {@link System#nanoTime()} scale. */
    public long intendedNanos(long index) {
        return startNanos + (long) (index * 1e9 / ratePerSecond);
    }

    /** How many records are due at {@code nowNanos}: those with an intended time at or before it. */
    public long dueBy(long nowNanos) {
        if (nowNanos < startNanos) {
            return 0;
        }
        long due = (long) Math.floor((nowNanos - startNanos) * ratePerSecond / 1e9) + 1;
        // floating point may put the boundary one record off: settle it on intendedNanos itself
        while (due > 0 && intendedNanos(due - 1) > nowNanos) {
            due--;
        }
        while (intendedNanos(due) <= nowNanos) {
            due++;
        }
        return due;
    }

    public double ratePerSecond() {
        return ratePerSecond;
    }
}
