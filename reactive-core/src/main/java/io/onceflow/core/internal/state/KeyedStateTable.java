package io.onceflow.core.internal.state;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.Origin;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import io.onceflow.core.StateCodec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One keyed operator's state for one run: a table per source partition, restored lazily from the run's
 * {@link StateRegistry}, with the keys changed since the last marker.
 *
 * <p>Not thread-safe: an operator touches it from one thread at a time, as Reactor's serial signals guarantee.
 * Restored entries stay encoded until their key is first read, so a large state restores in constant time.
 *
 * @param <K> the key type
 * @param <S> the state type
 */
public final class KeyedStateTable<K, S> {

    private final String operator;
    private final Function<? super K, ? extends S> initial;
    private @Nullable StateCodec<S> codec;
    private final PartitionSlots<Partition<K, S>> partitions;

    public KeyedStateTable(
            String operator,
            StateRegistry registry,
            Function<? super K, ? extends S> initial,
            @Nullable StateCodec<S> codec) {
        this.operator = requireNonNull(operator, "operator");
        this.initial = requireNonNull(initial, "initial");
        this.codec = codec;
        this.partitions = new PartitionSlots<>(operator, requireNonNull(registry, "registry"));
    }

    /** The state of {@code key} in the partition of {@code origin}: stored, restored, or initial. */
    public S get(Origin origin, K key) {
        Partition<K, S> partition = partition(origin);
        S value = partition.values.get(key);
        if (value != null) {
            return value;
        }
        if (!partition.restored.isEmpty()) {
            byte[] encoded = partition.restored.remove(StateKeys.encode(key));
            if (encoded != null) {
                S decoded = codecFor(initialOf(key)).decode(encoded);
                partition.values.put(key, decoded);
                return decoded;
            }
        }
        return initialOf(key);
    }

    /** Sets the state of {@code key}, or removes it when {@code value} is null, and marks it changed. */
    public void put(Origin origin, K key, @Nullable S value) {
        Partition<K, S> partition = partition(origin);
        if (value == null) {
            partition.values.remove(key);
            if (!partition.restored.isEmpty()) {
                partition.restored.remove(StateKeys.encode(key));
            }
        } else {
            partition.values.put(key, value);
        }
        partition.changed.add(key);
    }

    /**
     * The entries changed since the previous call, encoded, and forgets that they changed. State of partitions
     * the run no longer owns is dropped here.
     */
    public List<StateChange> drainChanges() {
        List<StateChange> changes = new ArrayList<>();
        for (Partition<K, S> partition : partitions.live()) {
            for (K key : partition.changed) {
                S value = partition.values.get(key);
                byte[] encoded = value == null ? null : codecFor(value).encode(value);
                changes.add(new StateChange(operator, partition.id, StateKeys.encode(key), encoded));
            }
            partition.changed.clear();
        }
        return changes;
    }

    /** Keys with state in memory, over all partitions; restored entries not yet read are not counted. */
    public int size() {
        int size = 0;
        for (Partition<K, S> partition : partitions.live()) {
            size += partition.values.size();
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
            known = new JsonStateCodec<>((Class<S>) sample.getClass());
            codec = known;
        }
        return known;
    }

    private Partition<K, S> partition(Origin origin) {
        return partitions.get(origin, (id, lease) -> new Partition<>(id, lease, lease.takeRestored(operator)));
    }

    private static final class Partition<K, S> implements PartitionSlots.Slot {
        final SourcePartition id;
        final StateLease lease;
        final Map<String, byte[]> restored;
        final Map<K, S> values = new HashMap<>();
        final Set<K> changed = new HashSet<>();

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
