package io.onceflow.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.core.internal.state.KeyedStateTable.Entry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * The open-addressing entry table finds, adds and removes exactly as a {@code HashMap} does, through growth and
 * removals in the middle of probe runs, and with keys whose hash codes collide.
 */
class EntryTableTest {

    /** An entry of no table: the table under test reads only its key and hash. */
    private static <K, S> Entry<K, S> entry(K key, int hash, S value) {
        return new Entry<>(key, hash, value, null, String.valueOf(key), null);
    }

    /** A key whose hash code is chosen, so that runs of collisions are easy to make. */
    record Key(int id, int hash) {
        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Key that && that.id == id;
        }
    }

    /**
     * Random operations (positive: add the key if absent, negative: remove it) over few keys and fewer hash codes,
     * checked against a map after every step: every key present is found, every key absent is not.
     */
    @Property(tries = 300)
    void behavesLikeAMap(
            @ForAll @Size(max = 400) List<@IntRange(min = -60, max = 60) Integer> operations,
            @ForAll @IntRange(min = 1, max = 64) int distinctHashes) {
        EntryTable<Key, String> table = new EntryTable<>();
        Map<Key, Entry<Key, String>> model = new HashMap<>();
        for (int operation : operations) {
            Key key = new Key(Math.abs(operation), Math.abs(operation) % distinctHashes * 0x10001);
            if (operation >= 0) {
                if (!model.containsKey(key)) {
                    Entry<Key, String> entry = entry(key, key.hashCode(), "v" + key.id());
                    table.add(entry);
                    model.put(key, entry);
                }
            } else {
                Entry<Key, String> entry = model.remove(key);
                if (entry != null) {
                    table.remove(entry);
                }
            }
            assertThat(table.size()).isEqualTo(model.size());
            for (int id = 0; id <= 60; id++) {
                Key probe = new Key(id, id % distinctHashes * 0x10001);
                assertThat(table.get(probe, probe.hashCode())).isSameAs(model.get(probe));
            }
        }
    }

    @Test
    void holdsManyKeysAndForgetsRemovedOnes() {
        EntryTable<Long, Long> table = new EntryTable<>();
        Map<Long, Entry<Long, Long>> entries = new HashMap<>();
        for (long key = 0; key < 100_000; key++) {
            Entry<Long, Long> entry = entry(key, Long.hashCode(key), key * 2);
            table.add(entry);
            entries.put(key, entry);
        }
        for (long key = 0; key < 100_000; key += 3) {
            table.remove(entries.get(key));
        }
        for (long key = 0; key < 100_000; key++) {
            Entry<Long, Long> found = table.get(key, Long.hashCode(key));
            if (key % 3 == 0) {
                assertThat(found).isNull();
            } else {
                assertThat(found).isSameAs(entries.get(key));
            }
        }
        assertThat(table.size()).isEqualTo(100_000 - 33_334);
    }

    @Test
    void removingAnEntryThatIsNotThereChangesNothing() {
        EntryTable<String, String> table = new EntryTable<>();
        Entry<String, String> kept = entry("a", "a".hashCode(), "1");
        table.add(kept);
        table.remove(entry("b", "b".hashCode(), "2"));
        table.remove(entry("a", "a".hashCode(), "other entry of the same key"));
        assertThat(table.size()).isEqualTo(1);
        assertThat(table.get("a", "a".hashCode())).isSameAs(kept);
    }
}
