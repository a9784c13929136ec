package io.onceflow.benchmarks.e2e;

import io.onceflow.benchmarks.report.LatencySummary;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What one run of the latency benchmark measured.
 *
 * @param sent payments sent after the priming ones
 * @param seen their outputs seen
 * @param achievedRate payments sent per second
 * @param committedRate records committed per second over the run's second half: the maximum, in a closed-loop run
 * @param latency from a payment's intended send time until its output was visible
 * @param checkpoints from a checkpoint's marker to its commit (none for a job without checkpoint events)
 * @param toMarker from a payment's intended send time to its checkpoint's marker (PostgreSQL sink only)
 * @param checkpointCount checkpoints completed in the measured window
 */
record LatencyRun(
        long sent,
        long seen,
        double achievedRate,
        double committedRate,
        LatencySummary latency,
        LatencySummary checkpoints,
        LatencySummary toMarker,
        long checkpointCount) {

    /** The line printed for an open-loop run at {@code load} of the maximum. */
    String summary(String sink, Duration interval, double load, double targetRate) {
        return String.format(
                Locale.ROOT,
                "%s sink, %d ms checkpoints, %.0f%% load (%,.0f/s, achieved %,.0f/s): p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms,"
                        + " max %.1f ms over %,d records; %,d of %,d sent seen; %d checkpoints recorded, marker to"
                        + " commit p50 %.1f ms, p99 %.1f ms, max %.1f ms; send to marker p50 %.1f ms, p99 %.1f ms",
                sink,
                interval.toMillis(),
                load * 100,
                targetRate,
                achievedRate,
                latency.p50Millis(),
                latency.p99Millis(),
                latency.p999Millis(),
                latency.maxMillis(),
                latency.count(),
                seen,
                sent,
                checkpointCount,
                checkpoints.p50Millis(),
                checkpoints.p99Millis(),
                checkpoints.maxMillis(),
                toMarker.p50Millis(),
                toMarker.p99Millis());
    }

    /** The run's figures in the report's results, under {@code key} ({@code load50} ...). */
    Map<String, Object> results(String key, double targetRate) {
        Map<String, Object> results = new LinkedHashMap<>();
        results.put(key + ".rate", targetRate);
        results.put(key + ".achieved_rate", achievedRate);
        results.put(key + ".sent", sent);
        results.put(key + ".seen", seen);
        results.put(key + ".checkpoints", checkpointCount);
        if (checkpoints.count() > 0) {
            results.putAll(checkpoints.toMap(key + ".checkpoint"));
        }
        if (toMarker.count() > 0) {
            results.putAll(toMarker.toMap(key + ".to_marker"));
        }
        results.putAll(latency.toMap(key));
        return results;
    }
}
