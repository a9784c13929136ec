package io.onceflow.core.testkit;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Data;
import io.onceflow.core.Origin;
import io.onceflow.core.Positions;
import io.onceflow.core.SourceContext;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StreamElement;
import io.onceflow.core.internal.batch.BatchingSource;
import io.onceflow.core.internal.batch.RecordBatch;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;

/**
 * A replayable in-memory source for tests: an append-only log per partition, like a Kafka topic, read from the
 * positions the commit point returns.
 *
 * <p>{@link #emit} appends; every open run delivers appended records as demand allows, so a test drives the source
 * from its own thread (with {@code StepVerifier.withVirtualTime}, all on the test thread), and {@link #checkpoint()}
 * places a marker where the test wants one. A restarted run replays
 * from the committed positions, as a Kafka consumer would. {@link #complete()} ends the log: runs complete once
 * they have delivered it all. Timestamps default to the offset, or are given with {@link #emitAt}.
 *
 * <p>A pipeline reads it as it reads Kafka: what a partition has that the run has not delivered goes in one batch of
 * records (up to {@value #MAX_BATCH}), so a test runs the operators the way production does; {@link #open} gives one
 * element per record to anyone else.
 *
 * <pre>{@code
 * TestSource<Payment> source = TestSource.create();
 * source.emit(payment("a", 10), payment("a", 5));
 * }</pre>
 *
 * @param <T> the type of the record values
 * @since 0.1
 */
public final class TestSource<T> implements BatchingSource<T> {

    /** Records in one batch at most. */
    public static final int MAX_BATCH = 64;

    private final String name;
    private final List<List<Data<T>>> log = new ArrayList<>();
    private final List<Reader> readers = new CopyOnWriteArrayList<>();
    private final AtomicInteger opens = new AtomicInteger();
    private volatile boolean completed;
    private volatile @Nullable Throwable failure;
    private volatile @Nullable SourceContext lastContext;

    private TestSource(String name, int partitions) {
        this.name = requireNonNull(name, "name");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, was " + partitions);
        }
        for (int i = 0; i < partitions; i++) {
            log.add(new ArrayList<>());
        }
    }

    /** A source named {@code test} with one partition. */
    public static <T> TestSource<T> create() {
        return new TestSource<>(TestElements.SOURCE, 1);
    }

    /** A source with {@code partitions} partitions. */
    public static <T> TestSource<T> create(String name, int partitions) {
        return new TestSource<>(name, partitions);
    }

    @Override
    public String name() {
        return name;
    }

    /** Appends values to partition 0, with their offsets as timestamps. */
    @SafeVarargs
    public final TestSource<T> emit(T... values) {
        return emitTo(0, values);
    }

    /** Appends values to {@code partition}, with their offsets as timestamps. */
    @SafeVarargs
    public final TestSource<T> emitTo(int partition, T... values) {
        for (T value : values) {
            appendOnly(partition, value, -1);
        }
        drainAll(); // all at once: a run reads what it can of them in one batch
        return this;
    }

    /** Appends a value to {@code partition} with an event timestamp. */
    public TestSource<T> emitAt(int partition, long timestamp, T value) {
        append(partition, value, timestamp);
        return this;
    }

    /** Ends the log: open runs complete once they have delivered every record. */
    public TestSource<T> complete() {
        completed = true;
        drainAll();
        return this;
    }

    /** Fails the open runs with {@code error}; runs opened later read normally. */
    public TestSource<T> fail(Throwable error) {
        failure = requireNonNull(error, "error");
        drainAll();
        return this;
    }

    /**
     * Triggers a checkpoint in the open run, as a test's own marker: the marker follows every record delivered so
     * far. Completes with the checkpoint's outcome.
     */
    public Mono<CheckpointEvent> checkpoint() {
        SourceContext context = lastContext;
        if (context == null) {
            return Mono.error(new IllegalStateException("source '" + name + "' is not open"));
        }
        return context.requestCheckpoint("test");
    }

    /**
     * Revokes partitions from the open run, as a rebalance would: completes once their final checkpoint has
     * completed; later records of those partitions are not delivered to that run.
     */
    public Mono<Void> revoke(int... partitions) {
        SourceContext context = lastContext;
        if (context == null) {
            return Mono.error(new IllegalStateException("source '" + name + "' is not open"));
        }
        List<SourcePartition> revoked = new ArrayList<>();
        for (int partition : partitions) {
            if (partition < 0 || partition >= log.size()) {
                return Mono.error(new IllegalArgumentException(
                        "source '" + name + "' has partitions 0 to " + (log.size() - 1) + ", not " + partition));
            }
            revoked.add(new SourcePartition(name, partition));
        }
        return context.revoke(revoked).doOnSuccess(done -> {
            for (Reader reader : readers) {
                reader.drop(revoked);
            }
        });
    }

    /** Records appended to {@code partition}. */
    public synchronized int size(int partition) {
        return log.get(partition).size();
    }

    /** Records appended over all partitions. */
    public synchronized int size() {
        return log.stream().mapToInt(List::size).sum();
    }

    /** How many runs opened this source: one, plus one per restart. */
    public int opens() {
        return opens.get();
    }

    @Override
    @SuppressWarnings("unchecked")
    public Flux<StreamElement<T>> open(SourceContext context) {
        return (Flux<StreamElement<T>>) (Flux<?>) open(context, false);
    }

    /** A batch of what each partition has to deliver at a time: how a pipeline reads this source. */
    @Override
    public Flux<Object> openBatched(SourceContext context) {
        return open(context, true);
    }

    private Flux<Object> open(SourceContext context, boolean batched) {
        List<SourcePartition> partitions = new ArrayList<>();
        for (int i = 0; i < log.size(); i++) {
            partitions.add(new SourcePartition(name, i));
        }
        context.partitionCount(name, log.size());
        return context.assign(partitions)
                .flatMapMany(positions -> Flux.create(sink -> {
                    opens.incrementAndGet();
                    lastContext = context;
                    failure = null;
                    Reader reader = new Reader(sink, positions, batched);
                    readers.add(reader);
                    sink.onRequest(n -> reader.drain());
                    sink.onDispose(() -> readers.remove(reader));
                }));
    }

    private void append(int partition, T value, long timestamp) {
        appendOnly(partition, value, timestamp);
        drainAll();
    }

    private void appendOnly(int partition, T value, long timestamp) {
        requireNonNull(value, "value");
        if (completed) {
            throw new IllegalStateException("source '" + name + "' is complete");
        }
        synchronized (this) {
            List<Data<T>> records = log.get(partition);
            long offset = records.size();
            records.add(new Data<>(value, new Origin(name, partition, offset, timestamp < 0 ? offset : timestamp)));
        }
    }

    private void drainAll() {
        for (Reader reader : readers) {
            reader.drain();
        }
    }

    private synchronized @Nullable Data<T> recordAt(int partition, long offset) {
        List<Data<T>> records = log.get(partition);
        return offset < records.size() ? records.get((int) offset) : null;
    }

    /** One run's reading position in each partition; emits only on demand, round-robin over partitions. */
    private final class Reader {
        private final FluxSink<Object> sink;
        private final boolean batched;
        private final long[] next;
        private final boolean[] dropped;
        private final AtomicInteger wip = new AtomicInteger();
        private int turn;

        Reader(FluxSink<Object> sink, Positions positions, boolean batched) {
            this.sink = sink;
            this.batched = batched;
            this.next = new long[log.size()];
            this.dropped = new boolean[log.size()];
            for (int i = 0; i < next.length; i++) {
                next[i] = positions.nextOffset(new SourcePartition(name, i)).orElse(0L);
            }
        }

        void drop(Collection<SourcePartition> partitions) {
            for (SourcePartition partition : partitions) {
                dropped[partition.partition()] = true;
            }
        }

        void drain() {
            if (wip.getAndIncrement() != 0) {
                return;
            }
            do {
                Throwable error = failure;
                if (error != null) {
                    sink.error(error);
                    return;
                }
                while (sink.requestedFromDownstream() > 0 && !sink.isCancelled()) {
                    Object next = batched ? nextBatch() : nextRecord();
                    if (next == null) {
                        break;
                    }
                    sink.next(next);
                }
                if (completed && !hasMore()) {
                    sink.complete();
                    return;
                }
            } while (wip.decrementAndGet() != 0);
        }

        private boolean hasMore() {
            for (int partition = 0; partition < next.length; partition++) {
                if (!dropped[partition] && recordAt(partition, next[partition]) != null) {
                    return true;
                }
            }
            return false;
        }

        /** The next partition's undelivered records, up to {@link #MAX_BATCH}, in a batch; round-robin. */
        private @Nullable RecordBatch<T> nextBatch() {
            Data<T> first = nextRecord();
            if (first == null) {
                return null;
            }
            int partition = first.origin().partition();
            RecordBatch<T> batch = new RecordBatch<>(name, partition, MAX_BATCH);
            batch.add(first);
            for (Data<T> record = recordAt(partition, next[partition]);
                    record != null && batch.size() < MAX_BATCH;
                    record = recordAt(partition, next[partition])) {
                batch.add(record);
                next[partition]++;
            }
            return batch;
        }

        private @Nullable Data<T> nextRecord() {
            for (int i = 0; i < next.length; i++) {
                int partition = (turn + i) % next.length;
                if (dropped[partition]) {
                    continue;
                }
                Data<T> record = recordAt(partition, next[partition]);
                if (record != null) {
                    next[partition]++;
                    turn = partition + 1;
                    return record;
                }
            }
            return null;
        }
    }
}
