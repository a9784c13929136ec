package io.onceflow.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.onceflow.core.Origin;
import io.onceflow.core.SourcePartition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A slot per partition and lease, whatever order the records come in: interleaved partitions, two sources, a
 * partition revoked and assigned again, and partition numbers beyond the index.
 */
class PartitionSlotsTest {

    record Slot(SourcePartition partition, StateLease lease) implements PartitionSlots.Slot {}

    private final StateRegistry registry = StateRegistry.create();
    private final PartitionSlots<Slot> slots = new PartitionSlots<>("op", registry);
    private final AtomicInteger created = new AtomicInteger();
    private final PartitionSlots.Factory<Object, Slot> create = (id, lease, none) -> {
        created.incrementAndGet();
        return new Slot(id, lease);
    };

    private static Origin at(String source, int partition) {
        return new Origin(source, partition, 0, 0);
    }

    private void assign(String source, int... partitions) {
        List<SourcePartition> ids = new ArrayList<>();
        for (int partition : partitions) {
            ids.add(new SourcePartition(source, partition));
        }
        registry.restore(ids, List.of());
    }

    @Test
    void interleavedPartitionsOfTwoSourcesEachKeepTheirSlot() {
        assign("a", 0, 1, 2);
        assign("b", 0, 1);
        Map<String, Slot> first = Map.of(
                "a0", slots.get(at("a", 0), null, create),
                "a1", slots.get(at("a", 1), null, create),
                "a2", slots.get(at("a", 2), null, create),
                "b0", slots.get(at("b", 0), null, create),
                "b1", slots.get(at("b", 1), null, create));
        for (int round = 0; round < 3; round++) {
            for (String source : List.of("a", "b", "a")) {
                for (int partition = 0; partition < (source.equals("a") ? 3 : 2); partition++) {
                    Slot slot =
                            slots.get(at(new String(source), partition), null, create); // an equal, not the same, name
                    assertThat(slot).isSameAs(first.get(source + partition));
                    assertThat(slot.partition()).isEqualTo(new SourcePartition(source, partition));
                }
            }
        }
        assertThat(created).hasValue(5);
    }

    @Test
    void aPartitionAssignedAgainGetsANewSlotAndARevokedOneIsDropped() {
        assign("a", 0, 1);
        Slot before = slots.get(at("a", 1), null, create);
        slots.get(at("a", 0), null, create);

        assign("a", 1); // assigned again, with fresh state: the old lease is released
        Slot after = slots.get(at("a", 1), null, create);
        assertThat(after).isNotSameAs(before);
        assertThat(after.lease().isReleased()).isFalse();

        registry.release(List.of(new SourcePartition("a", 0)));
        assertThat(slots.live()).containsExactly(after);
        assertThatThrownBy(() -> slots.get(at("a", 0), null, create))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not own");
    }

    @Test
    void partitionNumbersBeyondTheIndexAreServedByTheMap() {
        assign("a", 5_000, 3);
        Slot high = slots.get(at("a", 5_000), null, create);
        Slot low = slots.get(at("a", 3), null, create);
        assertThat(slots.get(at("a", 5_000), null, create)).isSameAs(high);
        assertThat(slots.get(at("a", 3), null, create)).isSameAs(low);
        assertThat(created).hasValue(2);
    }
}
