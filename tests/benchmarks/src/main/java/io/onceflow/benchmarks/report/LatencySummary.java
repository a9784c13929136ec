package io.onceflow.benchmarks.report;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The percentiles of one latency histogram, in milliseconds.
 *
 * @param count values recorded
 * @param p50Millis median
 * @param p99Millis 99th percentile
 * @param p999Millis 99.9th percentile
 * @param maxMillis largest value
 */
public record LatencySummary(long count, double p50Millis, double p99Millis, double p999Millis, double maxMillis) {

    /** Summarizes a histogram of values recorded in microseconds. */
    public static LatencySummary ofMicros(Histogram micros) {
        return new LatencySummary(
                micros.getTotalCount(),
                micros.getValueAtPercentile(50) / 1000.0,
                micros.getValueAtPercentile(99) / 1000.0,
                micros.getValueAtPercentile(99.9) / 1000.0,
                micros.getMaxValue() / 1000.0);
    }

    /** A histogram for latencies from 1 microsecond to 10 minutes, at 3 significant digits. */
    public static Histogram newMicrosHistogram() {
        return new Histogram(1, 600_000_000L, 3);
    }

    /** The figures under {@code prefix.}, for a result file. */
    public Map<String, Object> toMap(String prefix) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put(prefix + ".count", count);
        map.put(prefix + ".p50_ms", p50Millis);
        map.put(prefix + ".p99_ms", p99Millis);
        map.put(prefix + ".p999_ms", p999Millis);
        map.put(prefix + ".max_ms", maxMillis);
        return map;
    }
}
