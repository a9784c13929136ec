package io.onceflow.benchmarks.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The steady-state rate ignores the start and the wait for the last checkpoint, which the end-to-end rate counts. */
class ResultTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void theSteadyRateIsTheRateBetweenTheCommitsInsideTheMiddleOfTheInput() {
        // 1,000 records: a slow start (100 records in 2 s), then 200 records a second, then 0.9 s waiting for the timer
        long[] at = {2 * SECOND, 3 * SECOND, 4 * SECOND, 5 * SECOND, 6 * SECOND, 7 * SECOND};
        long[] by = {100, 300, 500, 700, 900, 1_000};
        Result run = new Result(1_000, 7 * SECOND, at, by);
        assertThat(run.steadyRecordsPerSecond()).isCloseTo(200.0, within(1e-9));
        assertThat(run.recordsPerSecond()).isCloseTo(1_000 / 7.0, within(1e-9));
    }

    @Test
    void tooFewCommitsInTheMiddleLeaveTheSteadyRateUnknown() {
        Result run = new Result(1_000, 3 * SECOND, new long[] {SECOND, 3 * SECOND}, new long[] {50, 1_000});
        assertThat(run.steadyRecordsPerSecond()).isNaN();
    }
}
