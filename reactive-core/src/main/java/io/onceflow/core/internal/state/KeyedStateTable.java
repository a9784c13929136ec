package io.onceflow.core.internal.state;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.Origin;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import io.onceflow.core.StateCodec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One keyed operator's state for one run: a table per source partition, restored lazily from the run's
 * {@link StateRegistry}, with the entries changed since the last marker.
 *
 * <p>Not thread-safe: an operator touches it from one thread at a time, as Reactor's serial signals guarantee.
 * Restored entries stay encoded until their key is first read, so a large state restores in constant time. A
 * record costs one hash lookup: {@link #entry} finds (or creates) the key's slot, {@link #update} changes it in
 * place.
 *
 * @param <K> the key type
 * @param <S> the state type
 */
public final class KeyedStateTable<K, S> {

    private final String operator;
    private final Function<? super K, ? extends S> initial;
    private @Nullable StateCodec<S> codec;
    private final PartitionSlots<Partition<K, S>> partitions;
    private final BiFunction<SourcePartition, StateLease, Partition<K, S>> newPartition;

    public KeyedStateTable(
            String operator,
            StateRegistry registry,
            Function<? super K, ? extends S> initial,
            @Nullable StateCodec<S> codec) {
        this.operator = requireNonNull(operator, "operator");
        this.initial = requireNonNull(initial, "initial");
        this.codec = codec;
        this.partitions = new PartitionSlots<>(operator, requireNonNull(registry, "registry"));
        this.newPartition = (id, lease) -> new Partition<>(id, lease, lease.takeRestored(operator));
    }

    /** One key's state in one partition. */
    public static final class Entry<K, S> {
        final K key;

        /** The key's hash code, kept where a lookup reads first. */
        final int hash;

        @Nullable
        S value;

        boolean changed;

        /** Set on the stand-in of a key removed since the last marker: the entry an update revives. */
        final @Nullable Entry<K, S> removed;

        /** The key as the commit point stores it, computed once: a key changes in many checkpoints. */
        @Nullable
        String encodedKey;

        Entry(K key, int hash, @Nullable S value, @Nullable Entry<K, S> removed) {
            this.key = key;
            this.hash = hash;
            this.value = value;
            this.removed = removed;
        }

        /** The key's state, or the initial state of a key seen for the first time. */
        public S value() {
            return requireNonNull(value, "removed entries have no value");
        }
    }

    /**
     * The slot of {@code key} in the partition of {@code origin}: stored, restored, or new with the initial state.
     * Reading changes no state: a key removed since the last marker stays removed until {@link #update}, so that
     * a user function failing on it leaves the removal in place.
     */
    public Entry<K, S> entry(Origin origin, K key) {
        Partition<K, S> partition = partition(origin);
        int hash = key.hashCode();
        Entry<K, S> entry = partition.entries.get(key, hash);
        if (entry != null) {
            if (entry.value != null) {
                return entry;
            }
            // removed since the last marker: if the user's function fails now, the removal must still commit
            return new Entry<>(key, hash, initialOf(key), entry);
        }
        S value = null;
        String encodedKey = null;
        if (!partition.restored.isEmpty()) {
            encodedKey = StateKeys.encode(key);
            byte[] encoded = partition.restored.get(encodedKey);
            if (encoded != null) {
                value = codecFor(initialOf(key)).decode(encoded);
                // only once decoded: a decoding failure dead-letters the record, it must not reset the key's state
                partition.restored.remove(encodedKey);
            }
        }
        if (value == null) {
            value = initialOf(key);
        }
        entry = new Entry<>(key, hash, value, null);
        entry.encodedKey = encodedKey;
        partition.entries.add(entry);
        return entry;
    }

    /** Sets the entry's state, or removes it when {@code value} is null, and marks it changed. */
    public void update(Origin origin, Entry<K, S> entry, @Nullable S value) {
        Entry<K, S> target = entry.removed != null ? entry.removed : entry;
        target.value = value;
        if (!target.changed) {
            target.changed = true;
            partition(origin).changed.add(target);
        }
    }

    /**
     * The entries changed since the previous call, encoded, and forgets that they changed. State of partitions
     * the run no longer owns is dropped here.
     */
    public List<StateChange> drainChanges() {
        Collection<Partition<K, S>> live = partitions.live();
        int changed = 0;
        for (Partition<K, S> partition : live) {
            changed += partition.changed.size();
        }
        List<StateChange> changes = new ArrayList<>(changed);
        for (Partition<K, S> partition : live) {
            for (Entry<K, S> entry : partition.changed) {
                S value = entry.value;
                byte[] encoded = value == null ? null : codecFor(value).encode(value);
                String key = entry.encodedKey;
                if (key == null) {
                    key = StateKeys.encode(entry.key);
                    entry.encodedKey = key;
                }
                changes.add(new StateChange(operator, partition.id, key, encoded));
                entry.changed = false;
                if (value == null) {
                    partition.entries.remove(entry);
                }
            }
            partition.changed.clear();
        }
        return changes;
    }

    /** Keys with state in memory, over all partitions; restored entries not yet read are not counted. */
    public int size() {
        int size = 0;
        for (Partition<K, S> partition : partitions.live()) {
            size += partition.entries.size();
        }
        return size;
    }

    private S initialOf(K key) {
        S value = initial.apply(key);
        if (value == null) {
            throw new NullPointerException("the initial state function returned null for key " + key);
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    private StateCodec<S> codecFor(S sample) {
        StateCodec<S> known = codec;
        if (known == null) {
            Class<S> type = (Class<S>) sample.getClass();
            StateCodec<S> scalar = ScalarStateCodec.forType(type);
            known = scalar != null ? scalar : new JsonStateCodec<>(type);
            codec = known;
        }
        return known;
    }

    private Partition<K, S> partition(Origin origin) {
        return partitions.get(origin, newPartition);
    }

    private static final class Partition<K, S> implements PartitionSlots.Slot {
        final SourcePartition id;
        final StateLease lease;
        final Map<String, byte[]> restored;
        final EntryTable<K, S> entries = new EntryTable<>();
        final List<Entry<K, S>> changed = new ArrayList<>();

        Partition(SourcePartition id, StateLease lease, Map<String, byte[]> restored) {
            this.id = id;
            this.lease = lease;
            this.restored = restored;
        }

        @Override
        public SourcePartition partition() {
            return id;
        }

        @Override
        public StateLease lease() {
            return lease;
        }
    }
}
