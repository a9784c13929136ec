package io.onceflow.core.internal.state;

import io.onceflow.core.internal.state.KeyedStateTable.Entry;
import org.jspecify.annotations.Nullable;

/**
 * A keyed operator's entries of one partition, by key: an open-addressing hash table whose slots hold the entries
 * themselves.
 *
 * <p>Why not a {@code HashMap<K, Entry>}: every record looks its key up, and with thousands of keys the lookup is a
 * chain of cache misses. A map's node stands between the table and the entry; here the entry is the node, so a
 * lookup reads the slot, the entry (its cached hash first, so a colliding slot costs no read of its key) and the key,
 * one dependent read fewer per record. Linear probing from a Fibonacci hash of the key's hash code, at most half
 * full; removal shifts the following entries back (Knuth's algorithm R), so no tombstones accumulate. Not
 * thread-safe, like the table it serves.
 *
 * @param <K> the key type
 * @param <S> the state type
 */
final class EntryTable<K, S> {

    private static final int INITIAL_CAPACITY = 16;

    private @Nullable Entry<K, S>[] slots = newSlots(INITIAL_CAPACITY);
    private int size;

    /** The entry of {@code key}, whose hash code is {@code hash}, or {@code null}. */
    @Nullable
    Entry<K, S> get(Object key, int hash) {
        @Nullable Entry<K, S>[] table = slots;
        int mask = table.length - 1;
        for (int i = home(hash, table); ; i = (i + 1) & mask) {
            Entry<K, S> entry = table[i];
            if (entry == null) {
                return null;
            }
            if (entry.hash == hash && (entry.key == key || entry.key.equals(key))) {
                return entry;
            }
        }
    }

    /** Adds an entry whose key is not in the table. */
    void add(Entry<K, S> entry) {
        if (2 * (size + 1) > slots.length) {
            grow();
        }
        place(slots, entry);
        size++;
    }

    /** Removes {@code entry}, if it is this table's entry of its key. */
    void remove(Entry<K, S> entry) {
        @Nullable Entry<K, S>[] table = slots;
        int mask = table.length - 1;
        int hole = home(entry.hash, table);
        while (table[hole] != entry) {
            if (table[hole] == null) {
                return;
            }
            hole = (hole + 1) & mask;
        }
        table[hole] = null;
        size--;
        // shift back every following entry of the run that may no longer be reached from its home slot
        for (int i = (hole + 1) & mask; table[i] != null; i = (i + 1) & mask) {
            Entry<K, S> moving = table[i];
            int home = home(moving.hash, table);
            boolean reachable = hole <= i ? hole < home && home <= i : hole < home || home <= i;
            if (!reachable) {
                table[hole] = moving;
                table[i] = null;
                hole = i;
            }
        }
    }

    int size() {
        return size;
    }

    /** The slot a hash starts its probe at: the top log2(length) bits of its Fibonacci hash. */
    private static int home(int hash, @Nullable Entry<?, ?>[] table) {
        return (hash * 0x9E3779B9) >>> (Integer.numberOfLeadingZeros(table.length) + 1);
    }

    private void place(@Nullable Entry<K, S>[] table, Entry<K, S> entry) {
        int mask = table.length - 1;
        int i = home(entry.hash, table);
        while (table[i] != null) {
            i = (i + 1) & mask;
        }
        table[i] = entry;
    }

    private void grow() {
        @Nullable Entry<K, S>[] old = slots;
        @Nullable Entry<K, S>[] table = newSlots(old.length * 2);
        for (Entry<K, S> entry : old) {
            if (entry != null) {
                place(table, entry);
            }
        }
        slots = table;
    }

    @SuppressWarnings("unchecked")
    private static <K, S> @Nullable Entry<K, S>[] newSlots(int capacity) {
        return (Entry<K, S>[]) new Entry<?, ?>[capacity];
    }
}
