package io.onceflow.core.testkit;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.onceflow.core.Data;
import io.onceflow.core.IdempotentSink;
import io.onceflow.core.Marker;
import io.onceflow.core.OnceflowMeters;
import io.onceflow.core.Origin;
import io.onceflow.core.SinkContext;
import io.onceflow.core.SinkWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * An in-memory idempotent sink for tests: a table upserted by key, guarded by a version derived from each record's
 * origin, as the R2DBC sink's idempotent mode is: its source partition, its offset, and the row's ordinal among the
 * rows its record wrote (a record's rows arrive one after the other).
 *
 * <p>A write whose version is not newer than the row's (same source partition, and offset and ordinal not higher)
 * changes nothing and counts as a suppressed duplicate: that is what a replay after a failed commit produces.
 *
 * @param <T> the type of the records
 * @param <K> the key type
 * @since 0.1
 */
public final class InMemoryIdempotentSink<T, K> implements IdempotentSink<T> {

    private final String name;
    private final Function<? super T, ? extends K> key;
    private final FaultPlan faults = new FaultPlan();
    private final AtomicReference<@Nullable Mono<?>> heldFlush = new AtomicReference<>();
    private final Map<K, Versioned<T>> table = new LinkedHashMap<>();
    private long suppressed;
    private long applied;

    private InMemoryIdempotentSink(String name, Function<? super T, ? extends K> key) {
        this.name = requireNonNull(name, "name");
        this.key = requireNonNull(key, "key");
    }

    /** A sink named {@code name}, with rows keyed by {@code key}. */
    public static <T, K> InMemoryIdempotentSink<T, K> create(String name, Function<? super T, ? extends K> key) {
        return new InMemoryIdempotentSink<>(name, key);
    }

    @Override
    public String name() {
        return name;
    }

    /** The next flush fails before writing anything. */
    public InMemoryIdempotentSink<T, K> failNextFlush() {
        faults.failNext(ProtocolStep.FLUSH, 1);
        return this;
    }

    /**
     * The next flush waits for {@code release} to complete before it writes (and fails with its error, if it fails): a
     * sink slower than its checkpoint should be, for a test of what a slow checkpoint does to the commit point beside it.
     *
     * @since 0.2
     */
    public InMemoryIdempotentSink<T, K> holdNextFlush(Mono<?> release) {
        heldFlush.set(requireNonNull(release, "release"));
        return this;
    }

    /** Each flush (or open) fails with {@code probability}, seeded. */
    public InMemoryIdempotentSink<T, K> failRandomly(double probability, long seed, ProtocolStep... steps) {
        faults.failRandomly(probability, seed, InMemoryCommitPoint.steps(steps));
        return this;
    }

    /** Failures injected so far. */
    public int injectedFailures() {
        return faults.injectedTotal();
    }

    /** The rows, by key. */
    public synchronized Map<K, T> table() {
        Map<K, T> rows = new LinkedHashMap<>();
        table.forEach((k, row) -> rows.put(k, row.record().value()));
        return rows;
    }

    /** Writes that changed a row. */
    public synchronized long applied() {
        return applied;
    }

    /** Replayed writes that changed nothing. */
    public synchronized long suppressedDuplicates() {
        return suppressed;
    }

    @Override
    public Mono<SinkWriter<T>> open(SinkContext context) {
        return Mono.fromCallable(() -> {
            faults.check(ProtocolStep.OPEN, name);
            return new Writer(Counter.builder(OnceflowMeters.DUPLICATES_SUPPRESSED)
                    .tags(context.tags())
                    .register(context.meterRegistry()));
        });
    }

    private synchronized long upsert(List<Versioned<T>> rows) {
        faults.check(ProtocolStep.FLUSH, name);
        long suppressedNow = 0;
        for (Versioned<T> row : rows) {
            K rowKey = key.apply(row.record().value());
            Versioned<T> current = table.get(rowKey);
            if (current != null && !row.newerThan(current)) {
                suppressedNow++;
            } else {
                table.put(rowKey, row);
                applied++;
            }
        }
        suppressed += suppressedNow;
        return suppressedNow;
    }

    /** A row with its version: its record's origin, and its ordinal among that record's rows. */
    private record Versioned<T>(Data<T> record, int ordinal) {

        /** The version guard: a later offset of the same partition, a later row of a record, or another partition. */
        boolean newerThan(Versioned<T> current) {
            Origin candidate = record.origin();
            Origin existing = current.record.origin();
            if (!candidate.sourcePartition().equals(existing.sourcePartition())) {
                return true;
            }
            return candidate.offset() > existing.offset()
                    || (candidate.offset() == existing.offset() && ordinal > current.ordinal);
        }
    }

    private final class Writer implements SinkWriter<T> {
        private final Counter suppressedDuplicates;
        private List<Versioned<T>> buffer = new ArrayList<>();
        private int sealedRecords;
        private @Nullable Origin lastOrigin;
        private int ordinal;

        Writer(Counter suppressedDuplicates) {
            this.suppressedDuplicates = suppressedDuplicates;
        }

        @Override
        public synchronized void write(Data<T> record) {
            Origin origin = record.origin();
            ordinal = origin.equals(lastOrigin) ? ordinal + 1 : 0;
            lastOrigin = origin;
            buffer.add(new Versioned<>(record, ordinal));
        }

        @Override
        public Mono<Void> checkpoint(Marker<?> marker) {
            List<Versioned<T>> records;
            synchronized (this) {
                records = buffer;
                buffer = new ArrayList<>();
                sealedRecords += records.size();
            }
            Mono<Void> flush = Mono.fromRunnable(() -> {
                try {
                    suppressedDuplicates.increment(upsert(records));
                } finally {
                    synchronized (this) {
                        sealedRecords -= records.size();
                    }
                }
            });
            Mono<?> hold = heldFlush.getAndSet(null);
            return hold == null ? flush : hold.then(flush);
        }

        @Override
        public synchronized int bufferedRecords() {
            return buffer.size() + sealedRecords;
        }

        @Override
        public int maxBufferedRecords() {
            return 100_000;
        }

        @Override
        public Mono<Void> close() {
            return Mono.empty();
        }
    }
}
