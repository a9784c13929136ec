package io.onceflow.benchmarks;

import io.onceflow.core.Marker;
import io.onceflow.core.Origin;
import io.onceflow.core.Positions;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.internal.state.KeyedStateTable;
import io.onceflow.core.internal.state.StateRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.SynchronousSink;

/**
 * A design experiment for issue 14, not a part of the library: what the chain of {@link OperatorChains} would cost
 * if the elements between two markers carried <em>batches</em> of records (as a Kafka poll returns them) instead of
 * one {@code Data} and one {@code Origin} per record. The experiment keeps everything else of the real model: the
 * same {@link Marker}s, the operator's real {@link KeyedStateTable} (its changed entries encoded at each marker), a
 * failing record caught on its own, and each output keeping its record's offset. What it removes is the per-record
 * element: a batch holds its values in one array and its records' offsets in another, and its partition once.
 *
 * <p>Measured by {@link BatchedElementsBenchmark} against the same plain chain; the figures and what the library
 * would need for this model are in tests/benchmarks/profiling-notes.md.
 */
public final class BatchedElementsSketch {

    /** Records per batch at most: Kafka's default {@code max.poll.records}. */
    public static final int BATCH = 500;

    private BatchedElementsSketch() {}

    /** The records of one partition between two markers, or part of them: values and offsets side by side. */
    public record RecordBatch(String source, int partition, Object[] values, long[] offsets, int size) {

        /** The origin of record {@code i}, made only when someone asks (a dead letter, a state lookup per batch). */
        Origin origin(int i) {
            return new Origin(source, partition, offsets[i], 0L);
        }
    }

    /**
     * The same {@code records} values as {@link OperatorChains#elements}, of partition {@code bench-0}, in batches of
     * at most {@link #BATCH} records cut at each marker, with a marker every {@code markerEvery} records.
     */
    public static List<Object> elements(int records, int markerEvery) {
        List<Object> elements = new ArrayList<>();
        SourcePartition partition = new SourcePartition("bench", 0);
        long checkpoint = 0;
        int start = 0;
        while (start < records) {
            int nextMarker = (start / markerEvery + 1) * markerEvery;
            int end = Math.min(Math.min(start + BATCH, nextMarker), records);
            Object[] values = new Object[end - start];
            long[] offsets = new long[end - start];
            for (int i = start; i < end; i++) {
                values[i - start] = OperatorChains.value(i);
                offsets[i - start] = i;
            }
            elements.add(new RecordBatch("bench", 0, values, offsets, end - start));
            if (end == nextMarker) {
                elements.add(Marker.of(++checkpoint, Positions.of(Map.of(partition, (long) end))));
            }
            start = end;
        }
        return elements;
    }

    /** Map, filter and the keyed running sum over batches, in one stage; counts the records at the end. */
    public static long chain(List<Object> elements) {
        Long count = Flux.deferContextual(context -> {
                    KeyedStateTable<Long, Long> table =
                            new KeyedStateTable<>("sum", StateRegistry.STANDALONE, key -> 0L, null, null);
                    return Flux.fromIterable(elements)
                            .handle((Object element, SynchronousSink<Object> sink) -> step(table, element, sink));
                })
                .filter(element -> element instanceof RecordBatch)
                .map(element -> (long) ((RecordBatch) element).size())
                .reduce(0L, Long::sum)
                .block();
        return count == null ? 0 : count;
    }

    private static void step(KeyedStateTable<Long, Long> table, Object element, SynchronousSink<Object> sink) {
        if (element instanceof RecordBatch batch) {
            Object[] outputs = new Object[batch.size()];
            long[] offsets = new long[batch.size()];
            int kept = 0;
            Origin origin = batch.origin(0); // the state table's partition lookup needs only the partition
            for (int i = 0; i < batch.size(); i++) {
                try {
                    long mapped = (Long) batch.values()[i] * 3;
                    if (mapped % 7 == 0) {
                        continue;
                    }
                    KeyedStateTable.Entry<Long, Long> entry = table.entry(origin, mapped % OperatorChains.KEYS);
                    Long next = entry.value() + mapped;
                    table.update(entry, next);
                    outputs[kept] = next;
                    offsets[kept] = batch.offsets()[i];
                    kept++;
                } catch (RuntimeException failure) {
                    // the real operator would emit a dead letter with batch.origin(i) here
                    throw new IllegalStateException("record " + batch.origin(i) + " failed", failure);
                }
            }
            if (kept > 0) {
                sink.next(new RecordBatch(
                        batch.source(),
                        batch.partition(),
                        Arrays.copyOf(outputs, kept),
                        Arrays.copyOf(offsets, kept),
                        kept));
            }
        } else if (element instanceof Marker<?> marker) {
            sink.next(marker.withStateChanges(table.drainChanges()));
        }
    }
}
