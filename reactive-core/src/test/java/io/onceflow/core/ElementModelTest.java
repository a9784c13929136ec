package io.onceflow.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The element model's records validate what they are given, copy what they keep and compare by content. */
class ElementModelTest {

    private static final SourcePartition P0 = SourcePartition.of("orders", 0);
    private static final SourcePartition P1 = SourcePartition.of("orders", 1);
    private static final Origin ORIGIN = new Origin("orders", 3, 42, 1_000);

    @Test
    void originValidatesItsFieldsAndNamesItsPlace() {
        assertThatThrownBy(() -> new Origin(null, 0, 0, 0)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new Origin("orders", -1, 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("partition");
        assertThatThrownBy(() -> new Origin("orders", 0, -1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("offset");

        assertThat(ORIGIN.sourcePartition()).isEqualTo(SourcePartition.of("orders", 3));
        assertThat(ORIGIN.nextOffset()).isEqualTo(43);
        assertThat(ORIGIN).hasToString("orders-3@42");
        assertThat(new Origin("orders", 3, 42, 1_000)).isEqualTo(ORIGIN).hasSameHashCodeAs(ORIGIN);
    }

    @Test
    void dataRequiresAValueAndKeepsItsOriginWhenDerived() {
        assertThatThrownBy(() -> new Data<>(null, ORIGIN)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new Data<>("v", null)).isInstanceOf(NullPointerException.class);

        Data<String> record = new Data<>("v", ORIGIN);
        Data<Integer> derived = record.withValue(7);

        assertThat(derived.value()).isEqualTo(7);
        assertThat(derived.origin()).isSameAs(ORIGIN);
        assertThat(record.isData()).isTrue();
        assertThat(record.isMarker()).isFalse();
    }

    @Test
    void sourcePartitionValidatesAndOrdersBySourceThenPartition() {
        assertThatThrownBy(() -> SourcePartition.of("", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SourcePartition.of("orders", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SourcePartition.of(null, 0)).isInstanceOf(NullPointerException.class);

        List<SourcePartition> partitions =
                new ArrayList<>(List.of(SourcePartition.of("payments", 0), SourcePartition.of("orders", 10), P1, P0));
        partitions.sort(null);

        assertThat(partitions)
                .containsExactly(P0, P1, SourcePartition.of("orders", 10), SourcePartition.of("payments", 0));
        assertThat(P1).hasToString("orders-1");
    }

    @Test
    void positionsValidateCopyAndIterateInPartitionOrder() {
        Map<SourcePartition, Long> offsets = new HashMap<>();
        offsets.put(P1, 5L);
        offsets.put(P0, 9L);
        Positions positions = Positions.of(offsets);
        offsets.put(P0, 100L);

        assertThat(positions.asMap()).containsExactly(Map.entry(P0, 9L), Map.entry(P1, 5L));
        assertThat(positions.nextOffset(P0)).contains(9L);
        assertThat(positions.nextOffset(SourcePartition.of("other", 0))).isEmpty();
        assertThatThrownBy(() -> positions.asMap().put(P0, 1L)).isInstanceOf(UnsupportedOperationException.class);

        assertThatThrownBy(() -> Positions.of(Map.of(P0, -1L)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("orders-0");
        Map<SourcePartition, Long> nullOffset = new HashMap<>();
        nullOffset.put(P0, null);
        assertThatThrownBy(() -> Positions.of(nullOffset)).isInstanceOf(NullPointerException.class);
        Map<SourcePartition, Long> nullPartition = new HashMap<>();
        nullPartition.put(null, 1L);
        assertThatThrownBy(() -> Positions.of(nullPartition)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void positionsRestrictAndOverride() {
        Positions positions = Positions.of(Map.of(P0, 9L, P1, 5L));

        assertThat(positions.only(List.of(P1, SourcePartition.of("other", 0)))).isEqualTo(Positions.of(Map.of(P1, 5L)));
        assertThat(positions.only(List.of())).isSameAs(Positions.empty());
        assertThat(positions
                        .with(Positions.of(Map.of(P1, 7L, SourcePartition.of("other", 0), 1L)))
                        .asMap())
                .containsExactly(Map.entry(P0, 9L), Map.entry(P1, 7L), Map.entry(SourcePartition.of("other", 0), 1L));
        assertThat(positions.with(Positions.empty())).isSameAs(positions);
        assertThat(Positions.of(Map.of())).isSameAs(Positions.empty());
        assertThat(Positions.empty().isEmpty()).isTrue();
        assertThat(positions)
                .isEqualTo(Positions.of(Map.of(P1, 5L, P0, 9L)))
                .hasSameHashCodeAs(Positions.of(Map.of(P1, 5L, P0, 9L)))
                .isNotEqualTo(Positions.of(Map.of(P0, 9L)));
    }

    @Test
    void markerValidatesItsIdAndCopiesItsStateChanges() {
        assertThatThrownBy(() -> Marker.of(0, Positions.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("checkpointId");
        assertThatThrownBy(() -> Marker.of(1, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new Marker<>(1, Positions.empty(), null)).isInstanceOf(NullPointerException.class);

        List<StateChange> changes = new ArrayList<>(List.of(change("k", "1")));
        Marker<String> marker = new Marker<>(1, Positions.empty(), changes);
        changes.add(change("other", "2"));

        assertThat(marker.stateChanges()).containsExactly(change("k", "1"));
        assertThatThrownBy(() -> marker.stateChanges().add(change("x", "3")))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(marker.isMarker()).isTrue();
        assertThat(marker.isData()).isFalse();
        assertThat(marker.<Integer>cast()).isSameAs(marker);
    }

    @Test
    void withStateChangesAppendsInOrderAndLeavesTheMarkerUnchanged() {
        Marker<String> marker = Marker.of(3, Positions.of(Map.of(P0, 4L)));
        Marker<String> first = marker.withStateChanges(List.of(change("a", "1")));
        Marker<String> both = first.withStateChanges(List.of(change("b", "2"), change("c", null)));

        assertThat(marker.stateChanges()).isEmpty();
        assertThat(first.stateChanges()).containsExactly(change("a", "1"));
        assertThat(both.stateChanges()).containsExactly(change("a", "1"), change("b", "2"), change("c", null));
        assertThat(both.checkpointId()).isEqualTo(3);
        assertThat(both.positions()).isEqualTo(marker.positions());
        assertThat(marker.withStateChanges(List.of())).isSameAs(marker);
        assertThat(both).isNotEqualTo(marker).hasToString("Marker[3, positions={orders-0=4}, stateChanges=3]");
    }

    @Test
    void stateChangesCompareByTheContentOfTheirBytes() {
        StateChange change = change("k", "{\"n\":1}");
        StateChange same = change("k", "{\"n\":1}");

        assertThat(change.value()).isNotSameAs(same.value());
        assertThat(change).isEqualTo(same).hasSameHashCodeAs(same);
        assertThat(change).isNotEqualTo(change("k", "{\"n\":2}")).isNotEqualTo(change("k", null));
        assertThat(change).isNotEqualTo(new StateChange("other", P0, "k", same.value()));
        assertThat(change).isNotEqualTo(new StateChange("op", P1, "k", same.value()));
        assertThat(change("k", null)).isEqualTo(change("k", null)).hasSameHashCodeAs(change("k", null));
        assertThat(change("k", null).isTombstone()).isTrue();
        assertThat(change.isTombstone()).isFalse();
        assertThat(change).hasToString("op/orders-0/k={\"n\":1}");
        assertThat(change("k", null)).hasToString("op/orders-0/k=<removed>");
        assertThat(new Marker<>(1, Positions.empty(), List.of(change)))
                .isEqualTo(new Marker<>(1, Positions.empty(), List.of(same)));

        assertThatThrownBy(() -> new StateChange(null, P0, "k", null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new StateChange("op", null, "k", null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new StateChange("op", P0, null, null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void deadLetterRequiresWhatLocatesTheFailureAndNamesIt() {
        IllegalStateException error = new IllegalStateException("bad amount");

        assertThatThrownBy(() -> new DeadLetter<>(null, "map", "p", error)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new DeadLetter<>(ORIGIN, null, "p", error)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new DeadLetter<>(ORIGIN, "map", "p", null)).isInstanceOf(NullPointerException.class);

        DeadLetter<String> deadLetter = new DeadLetter<>(ORIGIN, "map", null, error);

        assertThat(deadLetter.payload()).isNull();
        assertThat(deadLetter.errorClass()).isEqualTo("java.lang.IllegalStateException");
        assertThat(deadLetter.errorMessage()).isEqualTo("bad amount");
        assertThat(new DeadLetter<>(ORIGIN, "map", null, new IllegalStateException()).errorMessage())
                .isEqualTo("IllegalStateException");
        assertThat(deadLetter)
                .hasToString("DeadLetter[orders-3@42 at map: java.lang.IllegalStateException: bad amount]");
        assertThat(deadLetter.<Integer>cast()).isSameAs(deadLetter);
        assertThat(deadLetter.isData()).isFalse();
        assertThat(deadLetter.isMarker()).isFalse();
    }

    @Test
    void stackSummaryKeepsTheTopFramesOfTheErrorAndOfEachCause() {
        IllegalArgumentException root = new IllegalArgumentException("root cause");
        root.setStackTrace(frames("Root", 3));
        IllegalStateException error = new IllegalStateException("outer", root);
        error.setStackTrace(frames("Outer", 20));

        String summary = new DeadLetter<>(ORIGIN, "map", null, error).stackSummary();

        assertThat(summary)
                .startsWith("java.lang.IllegalStateException: outer\n\tat Outer.call0(Outer.java:0)\n")
                .contains("\tat Outer.call7(Outer.java:7)\n")
                .doesNotContain("Outer.call8")
                .contains("Caused by: java.lang.IllegalArgumentException: root cause\n")
                .contains("\tat Root.call2(Root.java:2)\n");
        assertThat(summary.lines().filter(line -> line.startsWith("\tat Outer")))
                .hasSize(8);
        assertThat(summary.lines().filter(line -> line.startsWith("\tat Root"))).hasSize(3);
    }

    private static StateChange change(String key, String value) {
        return new StateChange("op", P0, key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    private static StackTraceElement[] frames(String className, int count) {
        StackTraceElement[] frames = new StackTraceElement[count];
        for (int i = 0; i < count; i++) {
            frames[i] = new StackTraceElement(className, "call" + i, className + ".java", i);
        }
        return frames;
    }
}
