package io.onceflow.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.core.Origin;
import io.onceflow.core.StateChange;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a marker takes from a keyed table: each partition's changed keys with their values as at the marker, handed
 * over without being encoded, and the entries of keys removed until the marker gone from memory.
 */
class KeyedStateTableTest {

    private static final Origin P0 = new Origin("t", 0, 0, 0);
    private static final Origin P1 = new Origin("t", 1, 0, 0);

    private final KeyedStateTable<String, Long> table =
            new KeyedStateTable<>("sums", StateRegistry.STANDALONE, key -> 0L, null, null);

    private void add(Origin origin, String key, long amount) {
        KeyedStateTable.Entry<String, Long> entry = table.entry(origin, key);
        table.update(entry, entry.value() + amount);
    }

    private void remove(Origin origin, String key) {
        table.update(table.entry(origin, key), null);
    }

    private static List<String> read(List<StateChange> changes) {
        List<String> read = new ArrayList<>();
        for (StateChange change : changes) {
            read.add(change.partition().partition() + ":" + change.key() + "="
                    + (change.value() == null ? "removed" : new String(change.value(), StandardCharsets.UTF_8)));
        }
        return read;
    }

    @Test
    void aMarkerHandsOverEachChangedKeyOnceWithItsValueAtTheMarker() {
        add(P0, "a", 1);
        add(P1, "b", 2);
        add(P0, "a", 10);
        add(P0, "c", 3);

        List<StateChange> first = table.drainChanges();
        // values written after the marker belong to the next one
        add(P0, "a", 100);
        add(P1, "b", 100);

        assertThat(first).isInstanceOf(DeferredStateChanges.class);
        assertThat(((DeferredStateChanges) first).deferred()).isEqualTo(3); // nothing was encoded at the marker
        assertThat(read(first)).containsExactlyInAnyOrder("0:a=11", "0:c=3", "1:b=2");
        assertThat(read(table.drainChanges())).containsExactlyInAnyOrder("0:a=111", "1:b=102");
        assertThat(table.drainChanges()).isEmpty();
    }

    @Test
    void aKeyRemovedUntilTheMarkerLeavesMemoryAndOneRevivedBeforeItStays() {
        add(P0, "a", 1);
        add(P0, "b", 2);
        add(P0, "c", 3);
        table.drainChanges();
        assertThat(table.size()).isEqualTo(3);

        remove(P0, "a");
        remove(P0, "b");
        add(P0, "b", 5); // revived from the initial state within the same checkpoint

        assertThat(read(table.drainChanges())).containsExactly("0:a=removed", "0:b=5");
        assertThat(table.size()).isEqualTo(2);
        add(P0, "a", 7);
        assertThat(read(table.drainChanges())).containsExactly("0:a=7");
    }

    @Test
    void aValueThatMayChangeIsEncodedAtTheMarker() {
        KeyedStateTable<String, List<Long>> lists =
                new KeyedStateTable<>("lists", StateRegistry.STANDALONE, key -> new ArrayList<>(), null, null);
        KeyedStateTable.Entry<String, List<Long>> entry = lists.entry(P0, "a");
        List<Long> value = entry.value();
        value.add(1L);
        lists.update(entry, value);

        List<StateChange> changes = lists.drainChanges();
        value.add(2L); // the function changes the same list in place after the marker

        // as the list was at the marker: its 1, not the 2 added after
        assertThat(read(changes))
                .singleElement()
                .asString()
                .startsWith("0:a=")
                .contains("1")
                .doesNotContain("2");
    }
}
