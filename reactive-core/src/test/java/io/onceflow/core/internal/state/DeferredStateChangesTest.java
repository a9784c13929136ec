package io.onceflow.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.onceflow.core.Marker;
import io.onceflow.core.Positions;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A marker's state changes whose values are encoded when first read, once, in their order, through joins. */
class DeferredStateChangesTest {

    private static final SourcePartition P0 = new SourcePartition("t", 0);
    private static final SourcePartition P1 = new SourcePartition("t", 1);

    private final AtomicInteger encoded = new AtomicInteger();
    private final DeferredStateChanges.Encoder encoder = new DeferredStateChanges.Encoder() {
        @Override
        public String key(Object key) {
            return "k-" + key;
        }

        @Override
        public byte[] value(SourcePartition partition, String key, Object value) {
            encoded.incrementAndGet();
            return (partition.partition() + ":" + key + "=" + value).getBytes(StandardCharsets.UTF_8);
        }
    };

    private static StateChange change(String operator, SourcePartition partition, String key, String value) {
        return new StateChange(operator, partition, key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    /** A removal made already, a partition's run of a removal and a value, and a run whose first change is made now. */
    private List<StateChange> mixed() {
        DeferredStateChanges.Builder builder = DeferredStateChanges.builder("sums");
        builder.add(P0, "gone", null);
        builder.handOver(P0, new Object[] {"x", null, "a", 10L, "unused", 99L}, 2, encoder);
        DeferredStateChanges.Run p1 = builder.handOver(P1, new Object[] {"b", 20L, "c", 30L}, 2, encoder);
        p1.makeNow(0);
        return builder.build();
    }

    @Test
    void handedOverChangesAreMadeWhenFirstReadAndOnlyOnce() {
        List<StateChange> changes = mixed();

        assertThat(changes).isInstanceOf(DeferredStateChanges.class).hasSize(5);
        assertThat(((DeferredStateChanges) changes).deferred()).isEqualTo(3);
        assertThat(encoded).hasValue(1); // the one made now

        List<StateChange> expected = List.of(
                change("sums", P0, "gone", null),
                change("sums", P0, "k-x", null),
                change("sums", P0, "k-a", "0:k-a=10"),
                change("sums", P1, "k-b", "1:k-b=20"),
                change("sums", P1, "k-c", "1:k-c=30"));
        assertThat(changes).isEqualTo(expected);
        assertThat(new ArrayList<>(changes)).isEqualTo(expected);
        assertThat(changes.get(2)).isSameAs(changes.get(2));
        assertThat(encoded).hasValue(3); // a removal encodes nothing, and each value once
        assertThat(((DeferredStateChanges) changes).deferred()).isZero();
        assertThatThrownBy(() -> changes.get(5)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void withNothingDeferredTheChangesAreAnOrdinaryList() {
        DeferredStateChanges.Builder builder = DeferredStateChanges.builder("sums");
        builder.add(P0, "a", null);
        builder.handOver(P0, new Object[] {"b", 1L}, 1, encoder).makeNow(0);

        assertThat(builder.build())
                .isNotInstanceOf(DeferredStateChanges.class)
                .containsExactly(change("sums", P0, "a", null), change("sums", P0, "k-b", "0:k-b=1"));
    }

    /**
     * A marker through three operators: "first" with one change made already in {@code first}, "sums" with {@link
     * #mixed}, "counts" with one deferred change in {@code last}.
     */
    private Marker<String> markerOfThreeOperators(SourcePartition first, SourcePartition last) {
        DeferredStateChanges.Builder counts = DeferredStateChanges.builder("counts");
        counts.handOver(last, new Object[] {"x", 1L}, 1, encoder);
        return Marker.<String>of(3, Positions.empty())
                .withStateChanges(List.of(change("first", first, "k", "v")))
                .withStateChanges(mixed())
                .withStateChanges(counts.build());
    }

    @Test
    void aMarkerKeepsDeferredChangesAsTheyAreAndJoinsOperatorsWithoutEncoding() {
        Marker<String> marker = markerOfThreeOperators(P0, P0);

        assertThat(encoded).hasValue(1); // made now by mixed()
        assertThat(marker.stateChanges())
                .isInstanceOf(DeferredStateChanges.class)
                .hasSize(7);
        assertThat(marker.stateChanges())
                .extracting(StateChange::operator, StateChange::key)
                .map(tuple -> tuple.toList())
                .containsExactly(
                        List.of("first", "k"),
                        List.of("sums", "gone"),
                        List.of("sums", "k-x"),
                        List.of("sums", "k-a"),
                        List.of("sums", "k-b"),
                        List.of("sums", "k-c"),
                        List.of("counts", "k-x"));
        assertThat(encoded).hasValue(4);
        assertThat(marker).isEqualTo(new Marker<>(3, Positions.empty(), List.copyOf(marker.stateChanges())));
    }

    @Test
    void thePartitionsOfChangesAreFoundInOrderWithoutMakingAnyChange() {
        SourcePartition p2 = new SourcePartition("u", 2);
        Marker<String> marker = markerOfThreeOperators(P1, p2);
        int before = encoded.get();

        assertThat(DeferredStateChanges.partitions(marker.stateChanges())).containsExactly(P1, P0, p2);
        assertThat(encoded).hasValue(before);
        assertThat(((DeferredStateChanges) marker.stateChanges()).deferred()).isEqualTo(4);
        // an ordinary list, as a commit point may be given one
        assertThat(DeferredStateChanges.partitions(
                        List.of(change("a", P0, "k", "v"), change("a", P1, "k", null), change("b", P0, "j", "w"))))
                .containsExactly(P0, P1);
        assertThat(DeferredStateChanges.partitions(List.of())).isEmpty();
    }
}
