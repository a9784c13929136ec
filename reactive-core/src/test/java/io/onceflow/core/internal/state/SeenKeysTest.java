package io.onceflow.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.onceflow.core.DuplicateRecordException;
import io.onceflow.core.LateRecordException;
import io.onceflow.core.Origin;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import io.onceflow.core.StateCodecException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The restore side of a deduplicate operator's keys: restored keys are duplicates, the restored watermark makes
 * records late, a shorter retention forgets what it no longer covers, and entries that do not read stop the run unless
 * dropping them is allowed. Revoked partitions drop their keys.
 */
class SeenKeysTest {

    private static final SourcePartition P0 = new SourcePartition("events", 0);

    private static StateChange entry(String key, String value) {
        return new StateChange("ids", P0, key, value.getBytes(StandardCharsets.UTF_8));
    }

    private static Origin at(long offset, long timestamp) {
        return new Origin("events", 0, offset, timestamp);
    }

    private static StateRegistry restored(Set<String> droppable, StateChange... state) {
        StateRegistry registry = StateRegistry.create("p", droppable, true);
        registry.register(new StateRegistry.StatefulOperator("ids", "deduplicate operator", true));
        registry.restore(List.of(P0), List.of(state));
        return registry;
    }

    private static List<String> drained(SeenKeys keys) {
        return keys.drainChanges().stream()
                .map(change -> change.key() + "="
                        + (change.isTombstone() ? null : new String(change.value(), StandardCharsets.UTF_8)))
                .toList();
    }

    @Test
    void restoredKeysAreDuplicatesAndTheRestoredWatermarkMakesOldRecordsLate() {
        StateRegistry registry = restored(Set.of(), entry("watermark", "100"), entry("k:p1", "95@7"));
        SeenKeys keys = new SeenKeys("ids", Duration.ofMillis(10), registry);

        assertThatThrownBy(() -> keys.admit(at(20, 101), "p1"))
                .isInstanceOf(DuplicateRecordException.class)
                .hasMessageContaining("first seen at events-0@7 (timestamp 95)");
        assertThatThrownBy(() -> keys.admit(at(21, 90), "p2"))
                .isInstanceOf(LateRecordException.class)
                .hasMessageContaining("watermark 100");
        keys.admit(at(22, 91), "p3");
        assertThat(drained(keys)).containsExactly("k:p3=91@22");
        assertThat(keys.size()).isEqualTo(2);
    }

    @Test
    void aRetentionMadeShorterForgetsTheKeysItNoLongerCoversWithTheNextCheckpoint() {
        StateRegistry registry =
                restored(Set.of(), entry("watermark", "100"), entry("k:old", "80@1"), entry("k:new", "95@2"));
        SeenKeys keys = new SeenKeys("ids", Duration.ofMillis(10), registry);

        keys.admit(at(3, 96), "old"); // forgotten at restore: 80 is 20 behind the watermark
        assertThat(drained(keys)).containsExactly("k:old=null", "k:old=96@3");
        assertThatThrownBy(() -> keys.admit(at(4, 97), "new")).isInstanceOf(DuplicateRecordException.class);
    }

    @Test
    void anEntryThatDoesNotReadStopsTheRunNamingWhatToDo() {
        StateRegistry registry = restored(Set.of(), entry("watermark", "100"), entry("k:p1", "yesterday"));
        SeenKeys keys = new SeenKeys("ids", Duration.ofMillis(10), registry);

        assertThatThrownBy(() -> keys.admit(at(1, 101), "p2"))
                .isInstanceOf(StateCodecException.class)
                .hasMessageContaining("deduplicate operator 'ids'")
                .hasMessageContaining("'k:p1' in events-0 does not read")
                .hasMessageContaining("allowDroppingState(\"ids\")");
    }

    @Test
    void anEntryThatDoesNotReadIsRemovedWhenDroppingIsAllowed() {
        StateRegistry registry =
                restored(Set.of("ids"), entry("watermark", "x"), entry("k:p1", "95@1"), entry("something", "else"));
        SeenKeys keys = new SeenKeys("ids", Duration.ofMillis(10), registry);

        keys.admit(at(2, 96), "p2");
        assertThat(drained(keys))
                .containsExactlyInAnyOrder("watermark=null", "something=null", "watermark=96", "k:p2=96@2");
        assertThatThrownBy(() -> keys.admit(at(3, 97), "p1")).isInstanceOf(DuplicateRecordException.class);
    }

    @Test
    void aRevokedPartitionDropsItsKeysAndAReassignedOneRestoresAfresh() {
        StateRegistry registry = restored(Set.of(), entry("k:p1", "1@0"));
        SeenKeys keys = new SeenKeys("ids", Duration.ofMillis(10), registry);
        keys.admit(at(1, 2), "p2");
        assertThat(keys.size()).isEqualTo(2);

        registry.release(List.of(P0));
        assertThat(drained(keys)).isEmpty();
        assertThat(keys.size()).isZero();

        registry.restore(List.of(P0), List.of(entry("k:p1", "1@0")));
        keys.admit(at(1, 2), "p2"); // the uncommitted p2 went with the revoked partition
        assertThatThrownBy(() -> keys.admit(at(2, 3), "p1")).isInstanceOf(DuplicateRecordException.class);
    }

    @Test
    void timestampsAtTheEndsOfTheRangeNeitherOverflowNorUnderflow() {
        StateRegistry registry = restored(Set.of(), entry("watermark", String.valueOf(Long.MIN_VALUE + 5)));
        // no bound ahead of the clock (by default a record at Long.MAX_VALUE is refused, FutureTimestampsTest), so
        // that the far end of the range reaches the watermark
        SeenKeys keys = new SeenKeys("ids", Duration.ofDays(365_000), Long.MAX_VALUE, registry);

        keys.admit(at(0, Long.MIN_VALUE + 3), "ancient"); // the watermark minus the retention would wrap around
        keys.admit(at(1, Long.MAX_VALUE), "far-future");
        assertThatThrownBy(() -> keys.admit(at(2, 0), "after"))
                .as("a watermark at Long.MAX_VALUE makes an ordinary record late: the reason for the bound")
                .isInstanceOf(LateRecordException.class);
        assertThatThrownBy(() -> keys.admit(at(3, 5), "far-future")).isInstanceOf(DuplicateRecordException.class);
        assertThat(drained(keys))
                .containsExactly("watermark=" + Long.MAX_VALUE, "k:far-future=" + Long.MAX_VALUE + "@1");
    }
}
