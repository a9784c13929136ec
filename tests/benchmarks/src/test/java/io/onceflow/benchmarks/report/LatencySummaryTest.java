package io.onceflow.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class LatencySummaryTest {

    @Test
    void summarizesMicrosecondsAsMilliseconds() {
        Histogram histogram = LatencySummary.newMicrosHistogram();
        for (int i = 1; i <= 1000; i++) {
            histogram.recordValue(i * 1000L); // 1 ms to 1000 ms
        }
        LatencySummary summary = LatencySummary.ofMicros(histogram);
        assertThat(summary.count()).isEqualTo(1000);
        assertThat(summary.p50Millis()).isCloseTo(500, within(1.0));
        assertThat(summary.p99Millis()).isCloseTo(990, within(1.0));
        assertThat(summary.p999Millis()).isCloseTo(999, within(1.0));
        assertThat(summary.maxMillis()).isCloseTo(1000, within(1.0));
        assertThat(summary.toMap("load50")).containsKeys("load50.p50_ms", "load50.p99_ms", "load50.p999_ms");
    }

    @Test
    void anEmptyHistogramSummarizesToZeroes() {
        LatencySummary summary = LatencySummary.ofMicros(LatencySummary.newMicrosHistogram());
        assertThat(summary.count()).isZero();
        assertThat(summary.p99Millis()).isZero();
    }
}
