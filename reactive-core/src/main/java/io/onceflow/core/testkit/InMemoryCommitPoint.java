package io.onceflow.core.testkit;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.CommitPoint;
import io.onceflow.core.CommitPointWriter;
import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.FencedException;
import io.onceflow.core.Marker;
import io.onceflow.core.Positions;
import io.onceflow.core.Recovery;
import io.onceflow.core.SinkContext;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.publisher.Mono;

/**
 * An in-memory commit point for tests: it keeps committed records, state, positions and dead letters apart from
 * pending ones, fences stale owners by epoch, and fails at any protocol step on command.
 *
 * <p>It plays the role of a database: it outlives the pipeline's runs, so a restarted run recovers what the
 * previous one committed. Each commit is atomic: records, dead letters, state and positions together, or nothing.
 *
 * <pre>{@code
 * InMemoryCommitPoint<Balance> sink = InMemoryCommitPoint.create();
 * sink.failNextCommit();                 // the next checkpoint fails before anything is applied
 * assertThat(sink.committed()).containsExactly(balance("a", 15));
 * }</pre>
 *
 * @param <T> the type of the records
 * @since 0.1
 */
public final class InMemoryCommitPoint<T> implements CommitPoint<T> {

    private final String name;
    private final FaultPlan faults = new FaultPlan();
    private final List<Data<T>> committed = new ArrayList<>();
    private final List<DeadLetter<?>> deadLetters = new ArrayList<>();
    private final Map<StateKey, byte[]> state = new HashMap<>();
    private final Map<SourcePartition, Long> positions = new TreeMap<>();
    private final Map<SourcePartition, Long> owners = new HashMap<>();
    private final List<Writer> writers = new CopyOnWriteArrayList<>();
    private long lastCheckpoint;
    private long epochs;
    private long commits;
    private volatile boolean acceptsDeadLetters;
    private volatile int maxBufferedRecords = 100_000;

    private record StateKey(String operator, SourcePartition partition, String key) {}

    private InMemoryCommitPoint(String name) {
        this.name = requireNonNull(name, "name");
    }

    /** A commit point named {@code in-memory}, with no dead-letter destination. */
    public static <T> InMemoryCommitPoint<T> create() {
        return new InMemoryCommitPoint<>("in-memory");
    }

    /** A commit point named {@code name}, with no dead-letter destination. */
    public static <T> InMemoryCommitPoint<T> create(String name) {
        return new InMemoryCommitPoint<>(name);
    }

    /** Gives this commit point a dead-letter destination. */
    public InMemoryCommitPoint<T> withDeadLetters() {
        acceptsDeadLetters = true;
        return this;
    }

    /** Bounds each writer's buffer. Defaults to {@code 100000}. */
    public InMemoryCommitPoint<T> maxBufferedRecords(int records) {
        if (records < 1) {
            throw new IllegalArgumentException("maxBufferedRecords must be >= 1, was " + records);
        }
        maxBufferedRecords = records;
        return this;
    }

    @Override
    public boolean hasDeadLetterDestination() {
        return acceptsDeadLetters;
    }

    /** Not durable: its commits live in this object, so stateful operators need no names of their own here. */
    @Override
    public boolean isDurable() {
        return false;
    }

    @Override
    public String name() {
        return name;
    }

    /** The next checkpoint fails before anything of it is applied. */
    public InMemoryCommitPoint<T> failNextCommit() {
        return failNext(ProtocolStep.BEFORE_COMMIT);
    }

    /** The next time the protocol reaches {@code step}, it fails. */
    public InMemoryCommitPoint<T> failNext(ProtocolStep step) {
        faults.failNext(requireNonNull(step, "step"), 1);
        return this;
    }

    /** Each time the protocol reaches one of {@code steps}, it fails with {@code probability}, seeded. */
    public InMemoryCommitPoint<T> failRandomly(double probability, long seed, ProtocolStep... steps) {
        faults.failRandomly(probability, seed, steps(steps));
        return this;
    }

    /** No more injected failures. */
    public InMemoryCommitPoint<T> stopFailing() {
        faults.clear();
        return this;
    }

    /** Failures injected at {@code step} so far. */
    public int injectedFailures(ProtocolStep step) {
        return faults.injected(step);
    }

    /** Failures injected so far, at every step. */
    public int injectedFailures() {
        return faults.injectedTotal();
    }

    /** The committed record values, in commit order. */
    public synchronized List<T> committed() {
        return committed.stream().map(Data::value).toList();
    }

    /** The committed records with their origins, in commit order. */
    public synchronized List<Data<T>> committedRecords() {
        return List.copyOf(committed);
    }

    /** Records written by open runs and not committed: buffered, or sealed and waiting for their commit. */
    public List<T> pending() {
        List<T> pending = new ArrayList<>();
        for (Writer writer : writers) {
            pending.addAll(writer.pendingValues());
        }
        return pending;
    }

    /** The committed dead letters, in commit order. */
    public synchronized List<DeadLetter<?>> deadLetters() {
        return List.copyOf(deadLetters);
    }

    /** The committed positions. */
    public synchronized Positions committedPositions() {
        return Positions.of(positions);
    }

    /** The committed state of {@code operator}, by partition and encoded key, as JSON text. */
    public synchronized Map<String, String> committedState(String operator) {
        Map<String, String> entries = new TreeMap<>();
        state.forEach((key, value) -> {
            if (key.operator().equals(operator)) {
                entries.put(key.partition() + "/" + key.key(), new String(value, StandardCharsets.UTF_8));
            }
        });
        return entries;
    }

    /** The id of the last committed checkpoint, or 0. */
    public synchronized long lastCheckpoint() {
        return lastCheckpoint;
    }

    /** Commits applied so far. */
    public synchronized long commits() {
        return commits;
    }

    @Override
    public Mono<CommitPointWriter<T>> open(SinkContext context) {
        return Mono.fromCallable(() -> {
            faults.check(ProtocolStep.OPEN, name);
            Writer writer;
            synchronized (this) {
                writer = new Writer(++epochs, lastCheckpoint);
            }
            writers.add(writer);
            return writer;
        });
    }

    private synchronized Recovery recover(long epoch, Collection<SourcePartition> partitions) {
        faults.check(ProtocolStep.RECOVER, name);
        List<StateChange> restored = new ArrayList<>();
        for (SourcePartition partition : partitions) {
            owners.put(partition, epoch);
        }
        state.forEach((key, value) -> {
            if (partitions.contains(key.partition())) {
                restored.add(new StateChange(key.operator(), key.partition(), key.key(), value));
            }
        });
        return new Recovery(Positions.of(positions).only(partitions), restored);
    }

    private synchronized void commit(long epoch, Marker<?> marker, List<Data<T>> records, List<DeadLetter<?>> dead) {
        faults.check(ProtocolStep.BEFORE_COMMIT, name);
        for (SourcePartition partition : marker.positions().partitions()) {
            Long owner = owners.get(partition);
            if (owner == null || owner != epoch) {
                throw new FencedException(
                        "'" + name + "': partition " + partition + " is owned by epoch " + owner + ", not " + epoch,
                        null);
            }
        }
        // the state first: a change still to be encoded may fail, and then nothing of the checkpoint commits
        List<StateChange> changes = List.copyOf(marker.stateChanges());
        committed.addAll(records);
        deadLetters.addAll(dead);
        for (StateChange change : changes) {
            StateKey key = new StateKey(change.operator(), change.partition(), change.key());
            if (change.value() == null) {
                state.remove(key);
            } else {
                state.put(key, change.value());
            }
        }
        positions.putAll(marker.positions().asMap());
        lastCheckpoint = Math.max(lastCheckpoint, marker.checkpointId());
        commits++;
        faults.check(ProtocolStep.AFTER_COMMIT, name);
    }

    /** One run's writer: a buffer for the open checkpoint, and the sealed ones waiting for their commit. */
    private final class Writer implements CommitPointWriter<T> {
        private final long epoch;
        private final long lastCompleted;
        private List<Data<T>> buffer = new ArrayList<>();
        private List<DeadLetter<?>> deadBuffer = new ArrayList<>();
        private final List<List<Data<T>>> sealed = new CopyOnWriteArrayList<>();
        private final Map<Long, List<DeadLetter<?>>> sealedDeadLetters = new ConcurrentHashMap<>();

        Writer(long epoch, long lastCompleted) {
            this.epoch = epoch;
            this.lastCompleted = lastCompleted;
        }

        @Override
        public long lastCompletedCheckpoint() {
            return lastCompleted;
        }

        @Override
        public Mono<Recovery> recover(Collection<SourcePartition> partitions) {
            return Mono.fromCallable(() -> InMemoryCommitPoint.this.recover(epoch, partitions));
        }

        @Override
        public boolean acceptsDeadLetters() {
            return acceptsDeadLetters;
        }

        @Override
        public synchronized void deadLetter(DeadLetter<?> deadLetter) {
            if (!acceptsDeadLetters) {
                throw new UnsupportedOperationException("'" + name + "' has no dead-letter destination");
            }
            deadBuffer.add(deadLetter);
        }

        @Override
        public synchronized void write(Data<T> record) {
            buffer.add(record);
        }

        @Override
        public void deadLettersOf(long checkpointId, List<DeadLetter<?>> deadLetters) {
            if (!acceptsDeadLetters) {
                throw new UnsupportedOperationException("'" + name + "' has no dead-letter destination");
            }
            List<DeadLetter<?>> dead = sealedDeadLetters.get(checkpointId);
            if (dead == null) {
                throw new IllegalStateException("checkpoint " + checkpointId + " is not sealed and uncommitted");
            }
            synchronized (dead) {
                dead.addAll(deadLetters);
            }
        }

        @Override
        public Mono<Void> checkpoint(Marker<?> marker) {
            List<Data<T>> records;
            List<DeadLetter<?>> dead;
            synchronized (this) {
                records = buffer;
                buffer = new ArrayList<>();
                dead = deadBuffer;
                deadBuffer = new ArrayList<>();
            }
            sealed.add(records);
            sealedDeadLetters.put(marker.checkpointId(), dead);
            return Mono.fromRunnable(() -> {
                try {
                    synchronized (dead) {
                        commit(epoch, marker, records, new ArrayList<>(dead));
                    }
                } finally {
                    // committed, or failed for good: a failed checkpoint is replayed by a new run, not retried here
                    sealed.removeIf(pending -> pending == records);
                    sealedDeadLetters.remove(marker.checkpointId());
                }
            });
        }

        @Override
        public synchronized int bufferedRecords() {
            int count = buffer.size();
            for (List<Data<T>> records : sealed) {
                count += records.size();
            }
            return count;
        }

        @Override
        public int maxBufferedRecords() {
            return maxBufferedRecords;
        }

        synchronized List<T> pendingValues() {
            List<T> values = new ArrayList<>();
            for (List<Data<T>> records : sealed) {
                records.forEach(record -> values.add(record.value()));
            }
            buffer.forEach(record -> values.add(record.value()));
            return values;
        }

        @Override
        public Mono<Void> close() {
            return Mono.fromRunnable(() -> writers.remove(this));
        }
    }

    static Set<ProtocolStep> steps(ProtocolStep... steps) {
        return steps.length == 0 ? EnumSet.noneOf(ProtocolStep.class) : EnumSet.copyOf(List.of(steps));
    }
}
