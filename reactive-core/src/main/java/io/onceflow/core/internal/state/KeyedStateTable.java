package io.onceflow.core.internal.state;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.KeyPartitionException;
import io.onceflow.core.KeyPartitioner;
import io.onceflow.core.Origin;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import io.onceflow.core.StateCodec;
import io.onceflow.core.StateCodecException;
import io.onceflow.core.internal.batch.RecordBatch;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One keyed operator's state for one run: a table per source partition, restored from the run's
 * {@link StateRegistry} when the partition's first record arrives, with the entries changed since the last marker.
 *
 * <p>Not thread-safe: an operator touches it from one thread at a time, as Reactor's serial signals guarantee. A
 * partition's restored entries are decoded together, at its first record (so that state which no longer decodes
 * stops the run before anything is processed on top of it), and move into the table as their keys come by. A
 * record costs one hash lookup: {@link #entry} finds (or creates) the key's slot, {@link #update} changes it in
 * place. A marker hands each changed entry over with its value at the marker ({@link DeferredStateChanges}): values
 * are encoded by the declared codec or the default one (see {@link JsonStateCodec}) at the marker, or, for a value
 * that cannot change with Onceflow's codec, when the commit point reads its change, on its thread. One that cannot be
 * encoded fails the checkpoint with a {@link StateCodecException} naming the operator, key and partition. A key is
 * encoded once: a string or a whole number when the commit point first asks for it, any other key when its entry
 * is made. A key whose stored form UTF-8 cannot hold (an unpaired surrogate) is refused when its entry is made, with
 * a {@link io.onceflow.core.KeyEncodingException} that dead-letters its record.
 *
 * @param <K> the key type
 * @param <S> the state type
 */
public final class KeyedStateTable<K, S> {

    private static final Logger LOG = LoggerFactory.getLogger(KeyedStateTable.class);

    private final String operator;
    /** The operator as a refused key's message names it: made once, not at every new key. */
    private final String named;

    private final StateRegistry registry;
    private final Function<? super K, ? extends S> initial;
    private @Nullable StateCodec<S> codec;
    private final @Nullable KeyPartitioner<? super K> partitioner;
    private final PartitionSlots<Partition<K, S>> partitions;

    /** The class of the last value given to {@link #update}. */
    private @Nullable Class<?> lastValueClass;

    /** Whether a value of a class that may change was given to {@link #update} since the last marker. */
    private boolean mutableSinceMarker;

    /**
     * Makes a change the marker handed over: at the marker for a value that may change, or when the commit point
     * reads it, on its thread (see {@link DeferredStateChanges}).
     */
    private final DeferredStateChanges.Encoder changeEncoder = new DeferredStateChanges.Encoder() {
        @Override
        public String key(Object key) {
            return key instanceof Entry<?, ?> entry ? entry.encodedKey() : (String) key;
        }

        @Override
        @SuppressWarnings("unchecked")
        public byte[] value(SourcePartition partition, String key, Object value) {
            return encode(partition, key, (S) value);
        }
    };

    /** The batch whose records {@link #entry(RecordBatch, int, Object)} serves, and their partition's table. */
    private @Nullable RecordBatch<?> lastBatch;

    private @Nullable Partition<K, S> batchPartition;

    /** Restores a partition's slot; the key of its first record binds the default codec. */
    private final PartitionSlots.Factory<K, Partition<K, S>> restorer =
            (id, lease, key) -> restore(id, lease, codec(key));

    /**
     * @param codec the declared codec, or {@code null} for the default one, bound to the class of the first initial
     *     state
     * @param partitioner which partition a key's records are produced to, to refuse a record read from another; or
     *     {@code null} for no check
     */
    public KeyedStateTable(
            String operator,
            StateRegistry registry,
            Function<? super K, ? extends S> initial,
            @Nullable StateCodec<S> codec,
            @Nullable KeyPartitioner<? super K> partitioner) {
        this.operator = requireNonNull(operator, "operator");
        this.named = "keyed operator '" + operator + "'";
        this.registry = requireNonNull(registry, "registry");
        this.initial = requireNonNull(initial, "initial");
        this.codec = codec;
        this.partitioner = partitioner;
        this.partitions = new PartitionSlots<>(operator, registry);
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

        /**
         * The key as the commit point stores it, made once (a key changes in many checkpoints). A key whose encoding
         * cannot fail (a string, a whole number) is encoded when it is first asked for, most often by the commit
         * point's thread when it makes the changes a marker handed over, off the record path; any other key with the
         * entry, so that one that cannot be encoded fails its record. Made at most twice if two threads race (the
         * same text each time), and a {@code String} is safe to publish so.
         */
        private @Nullable String encodedKey;

        /** The partition whose table holds the entry: where {@link #update} lists it as changed. */
        final Partition<K, S> partition;

        Entry(
                K key,
                int hash,
                @Nullable S value,
                @Nullable Entry<K, S> removed,
                @Nullable String encodedKey,
                Partition<K, S> partition) {
            this.key = key;
            this.hash = hash;
            this.value = value;
            this.removed = removed;
            this.encodedKey = encodedKey;
            this.partition = partition;
        }

        /** The key's state, or the initial state of a key seen for the first time. */
        public S value() {
            return requireNonNull(value, "removed entries have no value");
        }

        String encodedKey() {
            String encoded = encodedKey;
            if (encoded == null) {
                encoded = StateKeys.encode(key);
                encodedKey = encoded;
            }
            return encoded;
        }
    }

    /**
     * The slot of {@code key} in the partition of {@code origin}: stored, restored, or new with the initial state.
     * Reading changes no state: a key removed since the last marker stays removed until {@link #update}, so that
     * a user function failing on it leaves the removal in place.
     */
    public Entry<K, S> entry(Origin origin, K key) {
        if (partitioner != null) {
            checkPartition(origin.source(), origin.partition(), key, origin, null, 0);
        }
        return entryIn(partitions.get(origin, key, restorer), key);
    }

    /** The slot of {@code key} for the record in slot {@code index} of {@code batch}; see {@link #entry(Origin, Object)}. */
    public Entry<K, S> entry(RecordBatch<?> batch, int index, K key) {
        if (partitioner != null) {
            checkPartition(batch.source(), batch.partition(), key, null, batch, index);
        }
        Partition<K, S> partition = batchPartition;
        if (batch != lastBatch || partition == null) {
            // once per batch: its records share a partition, which cannot be released while a batch of it is here (a
            // partition's state goes after its final checkpoint, whose marker follows its last batch)
            partition = partitions.get(batch.source(), batch.partition(), key, restorer);
            lastBatch = batch;
            batchPartition = partition;
        }
        return entryIn(partition, key);
    }

    private Entry<K, S> entryIn(Partition<K, S> partition, K key) {
        int hash = key.hashCode();
        Entry<K, S> entry = partition.entries.get(key, hash);
        if (entry != null) {
            if (entry.value != null) {
                return entry;
            }
            // removed since the last marker: if the user's function fails now, the removal must still commit
            return new Entry<>(key, hash, initialOf(key), entry, entry.encodedKey, partition);
        }
        // a key that cannot be encoded fails its record here, as a dead letter, not a checkpoint later; one that
        // always can is encoded when the commit point needs it, unless a restored entry is looked up by it now
        boolean restoring = !partition.restored.isEmpty();
        String encodedKey = restoring || !StateKeys.alwaysEncodable(key) ? StateKeys.encode(key) : null;
        String stored = encodedKey != null ? encodedKey : key instanceof String text ? text : null;
        if (stored != null) {
            StateKeys.requireStorable(named, stored);
        }
        S value = restoring ? partition.restored.remove(encodedKey) : null;
        if (value == null) {
            value = initialOf(key);
        }
        entry = new Entry<>(key, hash, value, null, encodedKey, partition);
        partition.entries.add(entry);
        return entry;
    }

    /**
     * Refuses a record whose key belongs to another partition than the one it was read from: it would start a second
     * copy of the key's state here. Unchecked when the source did not say how many partitions it has.
     *
     * @throws KeyPartitionException which dead-letters the record, with the reason
     */
    private void checkPartition(
            String source, int partition, K key, @Nullable Origin origin, @Nullable RecordBatch<?> batch, int index) {
        int count = registry.partitionCount(source);
        if (count > 0) {
            int expected = requireNonNull(partitioner).partition(key, count);
            if (expected != partition) {
                // the record's origin, made only now when it is read from a batch: it names the record in the error
                Origin named = origin != null ? origin : requireNonNull(batch).origin(index);
                throw new KeyPartitionException(operator, key, named, expected, count);
            }
        }
    }

    /**
     * Sets the entry's state, or removes it when {@code value} is null, and marks it changed in its partition.
     *
     * @param entry what {@link #entry} returned for the record, just before
     */
    public void update(Entry<K, S> entry, @Nullable S value) {
        Entry<K, S> target = entry.removed != null ? entry.removed : entry;
        target.value = value;
        // the value was just made, so its class is read here at no cost; at the marker it would be a miss per entry
        if (value != null && value.getClass() != lastValueClass) {
            noticeValueClass(value.getClass());
        }
        if (!target.changed) {
            target.changed = true;
            target.partition.changed.add(target);
        }
    }

    /**
     * The entries changed since the previous call, handed over, and forgets that they changed. Each partition's changed
     * keys and values go to the marker as they are (see {@link DeferredStateChanges}); only values that may change
     * after the marker, or that a user's codec encodes, are encoded here. State of partitions the run no longer owns
     * is dropped here.
     */
    public List<StateChange> drainChanges() {
        lastBatch = null; // no batch is held past a marker
        batchPartition = null;
        Collection<Partition<K, S>> live = partitions.live();
        boolean any = false;
        for (Partition<K, S> partition : live) {
            any |= !partition.changed.isEmpty() || !partition.dropped.isEmpty();
        }
        if (!any) {
            return List.of();
        }
        DeferredStateChanges.Builder changes = DeferredStateChanges.builder(operator);
        // Onceflow's codec is safe on any thread; a user's codec is called where it always was, at the marker
        boolean deferrable = codec instanceof JsonStateCodec<S>;
        // every changed entry's value came through update() since the last marker: if none was of a class that may
        // change, none is asked again here (reading each value's class at the marker was a cache miss per entry)
        boolean allImmutable = deferrable && !mutableSinceMarker;
        mutableSinceMarker = false;
        lastValueClass = null; // so that a class that may change, seen before this marker, is noticed after it too
        for (Partition<K, S> partition : live) {
            // removals of dropped state first: a key written since must end up with its new state
            for (String dropped : partition.dropped) {
                changes.add(partition.id, dropped, null);
            }
            partition.dropped.clear();
            int count = partition.changed.size();
            if (count == 0) {
                continue;
            }
            // each changed entry's value as it is at the marker, beside the entry (whose key is encoded already):
            // one read of each entry here, and nothing of them encoded unless it must be
            @Nullable Object[] pairs = new Object[2 * count];
            for (int i = 0; i < count; i++) {
                Entry<K, S> entry = partition.changed.get(i);
                S value = entry.value;
                pairs[2 * i] = entry;
                pairs[2 * i + 1] = value;
                entry.changed = false;
                if (value == null) {
                    partition.entries.remove(entry); // removed at the marker: its tombstone is made when read
                }
            }
            partition.changed.clear();
            DeferredStateChanges.Run run = changes.handOver(partition.id, pairs, count, changeEncoder);
            if (allImmutable) {
                continue; // the usual case: the commit point encodes this partition's changes, on its thread
            }
            for (int i = 0; i < count; i++) {
                Object value = pairs[2 * i + 1];
                if (value != null && !(deferrable && ImmutableTypes.isImmutable(value.getClass()))) {
                    run.makeNow(i); // may change after the marker: encoded as it is now
                }
            }
        }
        return changes.build();
    }

    /**
     * Notes the class of a value given to {@link #update}: one operator's values nearly always have one class, so this
     * runs once, or once per subtype, not per record.
     */
    private void noticeValueClass(Class<?> type) {
        lastValueClass = type;
        if (!ImmutableTypes.isImmutable(type)) {
            mutableSinceMarker = true;
        }
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

    /** The codec: the declared one, or the default one bound to the class of {@code key}'s initial state. */
    private StateCodec<S> codec(K key) {
        StateCodec<S> known = codec;
        if (known == null) {
            known = JsonStateCodec.inferred(initialOf(key).getClass());
            codec = known;
        }
        return known;
    }

    private byte[] encode(SourcePartition partition, String key, S value) {
        try {
            return requireNonNull(codec, "a changed entry has had its codec resolved")
                    .encode(value);
        } catch (RuntimeException e) {
            throw new StateCodecException(
                    "keyed operator '" + operator + "': the state of key '" + key + "' in " + partition
                            + " cannot be committed with checkpoint: " + e.getMessage(),
                    e);
        }
    }

    /**
     * The partition's slot, its restored entries decoded all at once: state that no longer decodes is found when the
     * partition's first record arrives, not when its key comes by, hours later. An entry that does not decode stops
     * the run, unless the pipeline allows dropping this operator's state: then it is removed from the commit point
     * with the next checkpoint, and its key starts from the initial state.
     */
    private Partition<K, S> restore(SourcePartition id, StateLease lease, StateCodec<S> stateCodec) {
        Map<String, byte[]> encoded = lease.takeRestored(operator);
        Map<String, S> decoded = new HashMap<>(Math.max(16, encoded.size() * 4 / 3 + 1));
        List<String> dropped = new ArrayList<>();
        for (Map.Entry<String, byte[]> entry : encoded.entrySet()) {
            try {
                decoded.put(entry.getKey(), stateCodec.decode(entry.getValue()));
            } catch (RuntimeException e) {
                if (!registry.dropsUndecodable(operator)) {
                    throw new StateCodecException(
                            "keyed operator '" + operator + "': the committed state of key '" + entry.getKey()
                                    + "' in " + id + " no longer decodes (" + stateCodec + "): " + e.getMessage()
                                    + ". If the state's type changed on purpose and its old state may go, allow"
                                    + " dropping it: Onceflow.pipeline(...).allowDroppingState(\"" + operator
                                    + "\"); or keep a codec that reads the old form",
                            e);
                }
                dropped.add(entry.getKey());
            }
        }
        if (!dropped.isEmpty()) {
            LOG.warn(
                    "keyed operator '{}': dropping {} committed entries of {} that no longer decode (allowed)",
                    operator,
                    dropped.size(),
                    id);
        }
        Partition<K, S> partition = new Partition<>(id, lease, decoded);
        partition.dropped.addAll(dropped);
        return partition;
    }

    /** One partition's entries, and its entries changed since the last marker. */
    private static final class Partition<K, S> implements PartitionSlots.Slot {
        final SourcePartition id;
        final StateLease lease;
        final Map<String, S> restored;
        final EntryTable<K, S> entries = new EntryTable<>();
        final List<Entry<K, S>> changed = new ArrayList<>();
        final List<String> dropped = new ArrayList<>();

        Partition(SourcePartition id, StateLease lease, Map<String, S> restored) {
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
