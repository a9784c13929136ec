package io.onceflow.benchmarks;

import io.onceflow.core.Checkpointed;
import io.onceflow.core.CheckpointedFlux;
import io.onceflow.core.Data;
import io.onceflow.core.Keyed;
import io.onceflow.core.Marker;
import io.onceflow.core.Origin;
import io.onceflow.core.Positions;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StreamElement;
import io.onceflow.core.internal.batch.Batches;
import io.onceflow.core.internal.batch.RecordBatch;
import io.onceflow.core.internal.state.KeyedStateTable;
import io.onceflow.core.internal.state.StateRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Flux;

/**
 * The chain both benchmarks run: map, filter, and a keyed running sum, once on Onceflow's marker model and once as
 * a plain Reactor chain with the keyed state in a {@code HashMap}, as one would write it without checkpoints.
 */
public final class OperatorChains {

    /** Keys of the keyed sum: enough to defeat caches a little, like real accounts. */
    public static final int KEYS = 10_000;

    private OperatorChains() {}

    /** {@code records} records of partition {@code bench-0}, with a marker every {@code markerEvery} records. */
    public static List<StreamElement<Long>> elements(int records, int markerEvery) {
        List<StreamElement<Long>> elements = new ArrayList<>(records + records / markerEvery + 1);
        SourcePartition partition = new SourcePartition("bench", 0);
        long checkpoint = 0;
        for (int i = 0; i < records; i++) {
            elements.add(new Data<>(value(i), new Origin("bench", 0, i, i)));
            if ((i + 1) % markerEvery == 0) {
                elements.add(Marker.of(++checkpoint, Positions.of(Map.of(partition, (long) i + 1))));
            }
        }
        return elements;
    }

    /**
     * The same records as {@link #elements}, as a pipeline's source stage hands them to the chain from a source that
     * polls: batches of at most {@code POLL} records of the partition, none spanning a marker.
     */
    public static List<Object> batches(int records, int markerEvery) {
        List<Object> batches = new ArrayList<>();
        SourcePartition partition = new SourcePartition("bench", 0);
        long checkpoint = 0;
        RecordBatch<Long> batch = new RecordBatch<>("bench", 0, POLL);
        for (int i = 0; i < records; i++) {
            batch.add(value(i), i, i);
            boolean marker = (i + 1) % markerEvery == 0;
            if (batch.size() == POLL || marker || i == records - 1) {
                batches.add(batch);
                batch = new RecordBatch<>("bench", 0, POLL);
            }
            if (marker) {
                batches.add(Marker.of(++checkpoint, Positions.of(Map.of(partition, (long) i + 1))));
            }
        }
        return batches;
    }

    /** Records per batch in {@link #batches}: a Kafka consumer's {@code max.poll.records} by default. */
    static final int POLL = 500;

    /** A copy of {@link #batches}' batches, which a chain may rewrite in place. */
    public static List<Object> copies(List<Object> batches) {
        List<Object> copies = new ArrayList<>(batches.size());
        for (Object element : batches) {
            copies.add(element instanceof RecordBatch<?> batch ? batch.copy() : element);
        }
        return copies;
    }

    /**
     * The fluent chain as a pipeline runs it, from batches of records to batches of outputs; counts the records at the
     * end. The operators rewrite each batch in place: give them {@link #copies} of {@link #batches}.
     */
    public static long batched(List<Object> batches) {
        CheckpointedFlux<Long> chain = Batches.<Long>checkpointed(Flux.fromIterable(batches))
                .map(v -> v * 3)
                .filter(v -> v % 7 != 0)
                .keyed(v -> v % KEYS, key -> 0L, (Long sum, Long v) -> sum + v);
        Long count = Batches.stream(chain)
                .map(element ->
                        element instanceof RecordBatch<?> batch ? batch.size() : element instanceof Data ? 1 : 0)
                .reduce(0L, (sum, records) -> sum + records)
                .block();
        return count == null ? 0 : count;
    }

    /** The same values, plain. */
    public static List<Long> values(int records) {
        List<Long> values = new ArrayList<>(records);
        for (int i = 0; i < records; i++) {
            values.add(value(i));
        }
        return values;
    }

    /** The chain as users write it, with the fluent {@link CheckpointedFlux}; counts the records at the end. */
    public static long fluent(List<StreamElement<Long>> elements) {
        return records(CheckpointedFlux.of(Flux.fromIterable(elements))
                .map(v -> v * 3)
                .filter(v -> v % 7 != 0)
                .keyed(v -> v % KEYS, key -> 0L, (Long sum, Long v) -> sum + v)
                .elements());
    }

    /** The chain with {@code Flux.transform} and the {@link Checkpointed} functions, one stage each. */
    public static long markerModel(List<StreamElement<Long>> elements) {
        return records(Flux.fromIterable(elements)
                .transform(Checkpointed.map((Long v) -> v * 3))
                .transform(Checkpointed.filter((Long v) -> v % 7 != 0))
                .transform(Keyed.update((Long v) -> v % KEYS, key -> 0L, (Long sum, Long v) -> sum + v)));
    }

    /**
     * The chain's work over the same elements in one hand-written Reactor stage, with the sums in a {@code HashMap}:
     * what the element per record costs, without the library's operators or state.
     */
    public static long handWrittenHashMap(List<StreamElement<Long>> elements) {
        Map<Long, Long> sums = new HashMap<>();
        return records(Flux.fromIterable(elements).<StreamElement<Long>>handle((element, sink) -> {
            if (element instanceof Data<Long> record) {
                long v = record.value() * 3;
                if (v % 7 != 0) {
                    sink.next(new Data<>(sums.merge(v % KEYS, v, Long::sum), record.origin()));
                }
            } else {
                sink.next(element);
            }
        }));
    }

    /**
     * The same hand-written stage with the keyed operator's own state table, its changes handed to each marker:
     * what the table costs against a {@code HashMap}, without the operator around it.
     */
    public static long handWrittenStateTable(List<StreamElement<Long>> elements) {
        KeyedStateTable<Long, Long> table =
                new KeyedStateTable<>("sums", StateRegistry.STANDALONE, key -> 0L, null, null);
        return records(Flux.fromIterable(elements).<StreamElement<Long>>handle((element, sink) -> {
            if (element instanceof Data<Long> record) {
                long v = record.value() * 3;
                if (v % 7 != 0) {
                    Origin origin = record.origin();
                    KeyedStateTable.Entry<Long, Long> entry = table.entry(origin, v % KEYS);
                    Long sum = entry.value() + v;
                    table.update(entry, sum);
                    sink.next(new Data<>(sum, origin));
                }
            } else if (element instanceof Marker<Long> marker) {
                sink.next(marker.withStateChanges(table.drainChanges()));
            } else {
                sink.next(element);
            }
        }));
    }

    /** Counts the records that reach the end of a chain, markers aside. */
    private static long records(Flux<StreamElement<Long>> chain) {
        Long count = chain.filter(StreamElement::isData).count().block();
        return count == null ? 0 : count;
    }

    /** The chain on a plain Flux; counts the records that reach the end. */
    public static long plain(List<Long> values) {
        Map<Long, Long> sums = new HashMap<>();
        Long count = Flux.fromIterable(values)
                .map(v -> v * 3)
                .filter(v -> v % 7 != 0)
                .map(v -> sums.merge(v % KEYS, v, Long::sum))
                .count()
                .block();
        return count == null ? 0 : count;
    }

    static long value(int i) {
        return (i * 2_654_435_761L) & 0xFFFFFF;
    }
}
