package io.onceflow.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OpenLoopPacerTest {

    @Test
    void recordsAreDueOnTheirScheduleFromTheStart() {
        OpenLoopPacer pacer = new OpenLoopPacer(1_000, 1_000); // one record per millisecond
        assertThat(pacer.intendedNanos(0)).isEqualTo(1_000);
        assertThat(pacer.intendedNanos(1)).isEqualTo(1_001_000);
        assertThat(pacer.dueBy(999)).isZero();
        assertThat(pacer.dueBy(1_000)).isEqualTo(1);
        assertThat(pacer.dueBy(1_000_999)).isEqualTo(1);
        assertThat(pacer.dueBy(1_001_000)).isEqualTo(2);
    }

    @Test
    void aLateSenderFindsEveryOverdueRecordDueAtOnce() {
        OpenLoopPacer pacer = new OpenLoopPacer(0, 100_000);
        // a sender stalled for one second owes the whole second's records, each still measured from its own time
        assertThat(pacer.dueBy(1_000_000_000L)).isEqualTo(100_001);
        assertThat(pacer.intendedNanos(50_000)).isEqualTo(500_000_000L);
    }

    @Test
    void dueByAgreesWithIntendedTimesAtOddRates() {
        OpenLoopPacer pacer = new OpenLoopPacer(123, 333_333.3);
        for (long now = 0; now < 5_000_000; now += 997) {
            long due = pacer.dueBy(now);
            if (due > 0) {
                assertThat(pacer.intendedNanos(due - 1)).isLessThanOrEqualTo(now);
            }
            assertThat(pacer.intendedNanos(due)).isGreaterThan(now);
        }
    }

    @Test
    void refusesANonPositiveRate() {
        assertThatThrownBy(() -> new OpenLoopPacer(0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
