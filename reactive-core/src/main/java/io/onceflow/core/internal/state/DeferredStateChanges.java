package io.onceflow.core.internal.state;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;
import org.jspecify.annotations.Nullable;

/**
 * A marker's state changes, some of them still values rather than bytes: each is encoded when first read, by the
 * commit point on its own thread, and kept. An immutable list; the {@code Marker} keeps it as it is, without a copy.
 *
 * <p>Why: with checkpoints of a thousand records and ten thousand keys nearly every record changes a key of its own,
 * and encoding each changed value at the marker was a quarter of the pipeline thread's time per record. Only values
 * that cannot change after the marker ({@link ImmutableTypes}) are deferred, and only with Onceflow's own codec (safe
 * on any thread); the others are encoded at the marker, as before. As in Flink's asynchronous snapshots of heap state,
 * the marker fixes which value each key has; the bytes are made off the record path.
 *
 * <p>Encoding the same value twice gives the same bytes, and each change is made once and kept, so that every reader
 * (a retried commit, a second look at the list) sees the same changes. Reads from several threads at once are safe:
 * a change made twice is equal, and a {@link StateChange} is published safely by its final fields.
 */
public final class DeferredStateChanges extends AbstractList<StateChange> implements RandomAccess {

    /** Encodes one deferred value, failing with a {@code StateCodecException} that names the key. */
    @FunctionalInterface
    public interface Encoder {
        byte[] encode(SourcePartition partition, String key, Object value);
    }

    private final String[] operators;
    private final SourcePartition[] partitions;
    private final String[] keys;
    private final @Nullable Object[] values;
    private final @Nullable Encoder[] encoders;
    private final @Nullable StateChange[] made;

    private DeferredStateChanges(int size) {
        operators = new String[size];
        partitions = new SourcePartition[size];
        keys = new String[size];
        values = new Object[size];
        encoders = new Encoder[size];
        made = new StateChange[size];
    }

    /** Collects one operator's changes of one marker, at most {@code capacity} of them. */
    public static Builder builder(String operator, int capacity) {
        return new Builder(operator, capacity);
    }

    /**
     * {@code first} and then {@code second}, neither encoded by the joining: what a marker carries from two stateful
     * operators.
     */
    public static List<StateChange> join(List<StateChange> first, List<StateChange> second) {
        DeferredStateChanges joined = new DeferredStateChanges(first.size() + second.size());
        int at = joined.copy(first, 0);
        joined.copy(second, at);
        return joined;
    }

    private int copy(List<StateChange> changes, int from) {
        int at = from;
        if (changes instanceof DeferredStateChanges deferred) {
            int size = deferred.size();
            System.arraycopy(deferred.operators, 0, operators, at, size);
            System.arraycopy(deferred.partitions, 0, partitions, at, size);
            System.arraycopy(deferred.keys, 0, keys, at, size);
            System.arraycopy(deferred.values, 0, values, at, size);
            System.arraycopy(deferred.encoders, 0, encoders, at, size);
            System.arraycopy(deferred.made, 0, made, at, size);
            return at + size;
        }
        for (StateChange change : changes) {
            made[at++] = requireNonNull(change, "change");
        }
        return at;
    }

    @Override
    public StateChange get(int index) {
        StateChange change = made[index];
        if (change == null) {
            Encoder encoder = requireNonNull(encoders[index]);
            SourcePartition partition = partitions[index];
            String key = keys[index];
            String operator = operators[index];
            change = new StateChange(
                    operator, partition, key, encoder.encode(partition, key, requireNonNull(values[index])));
            made[index] = change;
        }
        return change;
    }

    @Override
    public int size() {
        return made.length;
    }

    /** How many changes are still values, not yet encoded: for tests. */
    public int deferred() {
        return (int) Arrays.stream(made).filter(change -> change == null).count();
    }

    /** One operator's changes of one marker, in order: encoded ones, tombstones and deferred values. */
    public static final class Builder {
        private final String operator;
        private final DeferredStateChanges changes;
        private int size;

        private Builder(String operator, int capacity) {
            this.operator = requireNonNull(operator, "operator");
            this.changes = new DeferredStateChanges(capacity);
        }

        /** A change already encoded, or a tombstone when {@code value} is null. */
        public void add(SourcePartition partition, String key, byte @Nullable [] value) {
            changes.made[size++] = new StateChange(operator, partition, key, value);
        }

        /** A change whose value {@code encoder} encodes when it is first read; {@code value} must not change. */
        public void defer(SourcePartition partition, String key, Object value, Encoder encoder) {
            changes.operators[size] = operator;
            changes.partitions[size] = requireNonNull(partition, "partition");
            changes.keys[size] = requireNonNull(key, "key");
            changes.values[size] = requireNonNull(value, "value");
            changes.encoders[size] = requireNonNull(encoder, "encoder");
            size++;
        }

        /** The changes: a plain list when none is deferred. */
        public List<StateChange> build() {
            if (size != changes.size()) {
                throw new IllegalStateException("built " + size + " changes of " + changes.size());
            }
            for (int i = 0; i < size; i++) {
                if (changes.made[i] == null) {
                    return changes;
                }
            }
            return List.of(changes.made); // every change made: an ordinary immutable list
        }
    }
}
