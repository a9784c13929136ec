package io.onceflow.core.internal.state;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.RandomAccess;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A marker's state changes, handed over by each operator one partition at a time (its changed keys and their values
 * at the marker, side by side in one array) and made into {@link StateChange}s when first read: by the commit point,
 * on its own thread. An immutable list; the {@code Marker} keeps it as it is, without a copy.
 *
 * <p>Why: with checkpoints of a thousand records and ten thousand keys nearly every record changes a key of its own.
 * Encoding each changed value at the marker was a quarter of the pipeline thread's time per record. Only values that
 * cannot change after the marker ({@link ImmutableTypes}) are left for the reader, and only with Onceflow's own codec
 * (safe on any thread); the operator makes the others at the marker ({@link Run#makeNow}). As in Flink's asynchronous
 * snapshots of heap state, the marker fixes which value each key has; the bytes are made off the record path.
 *
 * <p>Making the same change twice gives the same bytes, and each change is made once and kept, so that every reader
 * (a retried commit, a second look at the list, two markers' lists joined) sees the same changes. Reads from several
 * threads at once are safe: a change made twice is equal, and a {@link StateChange} is published safely by its final
 * fields.
 */
public final class DeferredStateChanges extends AbstractList<StateChange> implements RandomAccess {

    /** Makes a change's stored form: its key's text and its value's bytes. Called where the change is first read. */
    public interface Encoder {
        /** The key as the commit point stores it, from what the operator handed over for it. */
        String key(Object key);

        /** The value's bytes, failing with a {@code StateCodecException} that names the key. */
        byte[] value(SourcePartition partition, String key, Object value);
    }

    /** The runs, in order, and the index of each one's first change. */
    private final Run[] runs;

    private final int[] starts;
    private final int size;

    private DeferredStateChanges(List<Run> runs) {
        this.runs = runs.toArray(new Run[0]);
        this.starts = new int[this.runs.length];
        int at = 0;
        for (int i = 0; i < this.runs.length; i++) {
            starts[i] = at;
            at += this.runs[i].size;
        }
        this.size = at;
    }

    /** Collects one operator's changes of one marker. */
    public static Builder builder(String operator) {
        return new Builder(operator);
    }

    /**
     * {@code first} and then {@code second}, neither made by the joining: what a marker carries from two stateful
     * operators. The runs are shared, so a change made through one list is made for the other too.
     */
    public static List<StateChange> join(List<StateChange> first, List<StateChange> second) {
        List<Run> runs = new ArrayList<>();
        addRuns(runs, first);
        addRuns(runs, second);
        return new DeferredStateChanges(runs);
    }

    private static void addRuns(List<Run> runs, List<StateChange> changes) {
        if (changes instanceof DeferredStateChanges deferred) {
            runs.addAll(Arrays.asList(deferred.runs));
        } else if (!changes.isEmpty()) {
            runs.add(Run.made(changes.toArray(new StateChange[0])));
        }
    }

    /**
     * The source partitions of {@code changes}, in the order they first appear, without making a deferred change: a
     * run of them is one partition's. A commit point asks this before it sends the changes (the offsets name which
     * partitions' state a checkpoint wrote); walking ten thousand changes for it encoded each one first, ahead of the
     * offsets, and cost as much again in every later walk.
     */
    public static Set<SourcePartition> partitions(List<StateChange> changes) {
        Set<SourcePartition> partitions = new LinkedHashSet<>();
        if (changes instanceof DeferredStateChanges deferred) {
            for (Run run : deferred.runs) {
                if (run.partition != null) {
                    partitions.add(run.partition);
                } else {
                    for (StateChange change : run.made) {
                        partitions.add(requireNonNull(change).partition());
                    }
                }
            }
        } else {
            for (StateChange change : changes) {
                partitions.add(change.partition());
            }
        }
        return partitions;
    }

    @Override
    public StateChange get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("index " + index + " of " + size + " changes");
        }
        // no run is empty, so the starts increase strictly: index is in the last run that starts at or before it
        int run = Arrays.binarySearch(starts, index);
        if (run < 0) {
            run = -run - 2;
        }
        return runs[run].get(index - starts[run]);
    }

    @Override
    public int size() {
        return size;
    }

    /** How many changes are not made yet: for tests. */
    public int deferred() {
        int deferred = 0;
        for (Run run : runs) {
            for (int i = 0; i < run.size; i++) {
                if (run.made[i] == null) {
                    deferred++;
                }
            }
        }
        return deferred;
    }

    /**
     * One operator's changes in one partition, as the operator handed them over: for each {@code i < size}, a key at
     * {@code 2 * i} and its value at {@code 2 * i + 1} of one array, a {@code null} value being a removal. The array is
     * the run's alone from then on.
     */
    public static final class Run {
        private final @Nullable String operator;
        private final @Nullable SourcePartition partition;
        private final @Nullable Encoder encoder;

        /** Each change's key, then its value: {@code pairs[2 * i]} and {@code pairs[2 * i + 1]}. */
        private final @Nullable Object @Nullable [] pairs;

        private final int size;
        private final @Nullable StateChange[] made;

        private Run(
                @Nullable String operator,
                @Nullable SourcePartition partition,
                @Nullable Encoder encoder,
                @Nullable Object @Nullable [] pairs,
                int size,
                @Nullable StateChange[] made) {
            this.operator = operator;
            this.partition = partition;
            this.encoder = encoder;
            this.pairs = pairs;
            this.size = size;
            this.made = made;
        }

        private static Run made(StateChange[] changes) {
            return new Run(null, null, null, null, changes.length, changes);
        }

        /** Makes change {@code i} now, on the caller's thread: for a value that may change after the marker. */
        public void makeNow(int i) {
            get(i);
        }

        private StateChange get(int i) {
            StateChange change = made[i];
            if (change == null) {
                Encoder with = requireNonNull(encoder, "a run of changes made already has no encoder");
                SourcePartition in = requireNonNull(partition);
                @Nullable Object[] handed = requireNonNull(pairs);
                String key = with.key(requireNonNull(handed[2 * i]));
                Object value = handed[2 * i + 1];
                change = new StateChange(
                        requireNonNull(operator), in, key, value == null ? null : with.value(in, key, value));
                made[i] = change;
            }
            return change;
        }
    }

    /** One operator's changes of one marker, in order: runs handed over whole, and changes made already. */
    public static final class Builder {
        private final String operator;
        private final List<Run> runs = new ArrayList<>();
        private final List<StateChange> pending = new ArrayList<>();

        private Builder(String operator) {
            this.operator = requireNonNull(operator, "operator");
        }

        /** A change already encoded, or a removal when {@code value} is null. */
        public void add(SourcePartition partition, String key, byte @Nullable [] value) {
            pending.add(new StateChange(operator, partition, key, value));
        }

        /**
         * A partition's changes: for each {@code i < size} a key at {@code pairs[2 * i]} and its value at
         * {@code pairs[2 * i + 1]}, a null value a removal, each made by {@code encoder} when first read, unless
         * {@link Run#makeNow} makes it first. The array must not change from now on; values left to the reader must
         * not change either.
         */
        public Run handOver(SourcePartition partition, @Nullable Object[] pairs, int size, Encoder encoder) {
            if (size < 0 || 2 * size > pairs.length) {
                throw new IllegalArgumentException(size + " changes in an array of " + pairs.length);
            }
            flushPending();
            Run run = new Run(
                    operator,
                    requireNonNull(partition, "partition"),
                    requireNonNull(encoder, "encoder"),
                    pairs,
                    size,
                    new StateChange[size]);
            if (size > 0) {
                runs.add(run);
            }
            return run;
        }

        private void flushPending() {
            if (!pending.isEmpty()) {
                runs.add(Run.made(pending.toArray(new StateChange[0])));
                pending.clear();
            }
        }

        /** The changes: a plain list when every one of them is made already. */
        public List<StateChange> build() {
            flushPending();
            List<StateChange> all = new ArrayList<>();
            for (Run run : runs) {
                for (int i = 0; i < run.size; i++) {
                    StateChange change = run.made[i];
                    if (change == null) {
                        return new DeferredStateChanges(runs);
                    }
                    all.add(change);
                }
            }
            return List.copyOf(all); // every change made: an ordinary immutable list
        }
    }
}
