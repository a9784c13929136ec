package io.onceflow.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

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
    private final DeferredStateChanges.Encoder encoder = (partition, key, value) -> {
        encoded.incrementAndGet();
        return (partition.partition() + ":" + key + "=" + value).getBytes(StandardCharsets.UTF_8);
    };

    private static StateChange change(String operator, SourcePartition partition, String key, String value) {
        return new StateChange(operator, partition, key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    private List<StateChange> mixed() {
        DeferredStateChanges.Builder builder = DeferredStateChanges.builder("sums", 4);
        builder.add(P0, "gone", null);
        builder.defer(P0, "a", 10L, encoder);
        builder.add(P1, "b", "eager".getBytes(StandardCharsets.UTF_8));
        builder.defer(P1, "c", 30L, encoder);
        return builder.build();
    }

    @Test
    void deferredValuesAreEncodedWhenFirstReadAndOnlyOnce() {
        List<StateChange> changes = mixed();

        assertThat(changes).isInstanceOf(DeferredStateChanges.class).hasSize(4);
        assertThat(((DeferredStateChanges) changes).deferred()).isEqualTo(2);
        assertThat(encoded).hasValue(0);

        List<StateChange> expected = List.of(
                change("sums", P0, "gone", null),
                change("sums", P0, "a", "0:a=10"),
                change("sums", P1, "b", "eager"),
                change("sums", P1, "c", "1:c=30"));
        assertThat(changes).isEqualTo(expected);
        assertThat(new ArrayList<>(changes)).isEqualTo(expected);
        assertThat(changes.get(1)).isSameAs(changes.get(1));
        assertThat(encoded).hasValue(2);
        assertThat(((DeferredStateChanges) changes).deferred()).isZero();
    }

    @Test
    void withNothingDeferredTheChangesAreAnOrdinaryList() {
        DeferredStateChanges.Builder builder = DeferredStateChanges.builder("sums", 1);
        builder.add(P0, "a", null);

        assertThat(builder.build())
                .isNotInstanceOf(DeferredStateChanges.class)
                .containsExactly(change("sums", P0, "a", null));
    }

    @Test
    void aMarkerKeepsDeferredChangesAsTheyAreAndJoinsOperatorsWithoutEncoding() {
        DeferredStateChanges.Builder other = DeferredStateChanges.builder("counts", 1);
        other.defer(P0, "x", 1L, encoder);

        Marker<String> marker = Marker.<String>of(3, Positions.empty())
                .withStateChanges(List.of(change("first", P0, "k", "v")))
                .withStateChanges(mixed())
                .withStateChanges(other.build());

        assertThat(encoded).hasValue(0);
        assertThat(marker.stateChanges())
                .isInstanceOf(DeferredStateChanges.class)
                .hasSize(6);
        assertThat(marker.stateChanges())
                .extracting(StateChange::operator, StateChange::key)
                .map(tuple -> tuple.toList())
                .containsExactly(
                        List.of("first", "k"),
                        List.of("sums", "gone"),
                        List.of("sums", "a"),
                        List.of("sums", "b"),
                        List.of("sums", "c"),
                        List.of("counts", "x"));
        assertThat(encoded).hasValue(3);
        assertThat(marker).isEqualTo(new Marker<>(3, Positions.empty(), List.copyOf(marker.stateChanges())));
    }
}
