package io.onceflow.chaos.shapes;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointedFlux;
import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.Onceflow;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a shape must commit, computed without faults: the same stages over the same input, in this JVM, from a
 * {@link TestSource} into an in-memory commit point. The test source has one partition per lane of the shape (each
 * partition of each input topic, {@link Shape#lanes()}). Records that do not decode become expected dead letters of
 * the {@code deserialize} stage; in the oracle's source they are placeholders that a filter drops first, so that
 * every other record keeps its offset.
 */
public final class ShapeOracle {

    /** A placeholder's value: no generated number is this. */
    private static final long UNDECODABLE = Long.MIN_VALUE;

    private ShapeOracle() {}

    /** One input record as the topic holds it. */
    public record LoggedRecord(long offset, long timestamp, byte[] value) {}

    /**
     * What a shape commits.
     *
     * @param outputs per lane, its outputs in order (output {@code n} at index {@code n})
     * @param deadLetters every dead letter as {@code lane@offset stage}, sorted
     */
    public record Committed(Map<Integer, List<Output>> outputs, List<String> deadLetters) {

        /** The idempotent table this output implies: per partition and table key, the last output with that key. */
        public Map<String, Output> table() {
            Map<String, Output> rows = new TreeMap<>();
            outputs.values()
                    .forEach(list -> list.forEach(out -> rows.put(out.partition() + "/" + out.tableKey(), out)));
            return rows;
        }

        /** Outputs over all partitions. */
        public long outputCount() {
            return outputs.values().stream().mapToLong(List::size).sum();
        }
    }

    /** A dead letter as the oracle and the verifier both write it. */
    public static String deadLetter(int lane, long offset, String stage) {
        return lane + "@" + offset + " " + stage;
    }

    /**
     * The committed output of {@code shape} over {@code input} (per lane, in offset order, offsets from 0 without
     * gaps).
     */
    public static Committed expected(Shape shape, Map<Integer, List<LoggedRecord>> input) {
        TestSource<Tagged> source = TestSource.create(shape.inputTopic(0), shape.lanes());
        List<String> deadLetters = new ArrayList<>();
        input.forEach((lane, records) -> {
            for (int i = 0; i < records.size(); i++) {
                LoggedRecord record = records.get(i);
                if (record.offset() != i) {
                    throw new IllegalStateException(shape.topicOf(lane) + "-" + shape.partitionOf(lane)
                            + " has a gap at offset " + i + ": the oracle needs the offsets of a plain producer");
                }
                Tagged value;
                try {
                    value = ShapeFormats.INPUT.decode(record.value());
                } catch (RuntimeException e) {
                    value = new Tagged(lane, UNDECODABLE);
                    deadLetters.add(deadLetter(lane, record.offset(), "deserialize"));
                }
                source.emitAt(lane, record.timestamp(), value);
            }
        });
        source.complete();
        InMemoryCommitPoint<Output> sink =
                InMemoryCommitPoint.<Output>create("oracle").withDeadLetters();
        CheckpointedFlux<Tagged> decoded = Onceflow.pipeline(shape.pipeline())
                .checkpointEvery(Duration.ZERO)
                .checkpointAfterRecords(64)
                .meterRegistry(new SimpleMeterRegistry())
                .from(source)
                .filter(tagged -> tagged.value() != UNDECODABLE);
        ShapeStages.build(decoded, shape.stages()).to(sink).run().blockLast(Duration.ofMinutes(2));
        Map<Integer, List<Output>> outputs = new TreeMap<>();
        for (int lane = 0; lane < shape.lanes(); lane++) {
            outputs.put(lane, new ArrayList<>());
        }
        for (Data<Output> record : sink.committedRecords()) {
            outputs.get(record.value().partition()).add(record.value());
        }
        for (DeadLetter<?> dead : sink.deadLetters()) {
            deadLetters.add(deadLetter(dead.origin().partition(), dead.origin().offset(), dead.stage()));
        }
        Collections.sort(deadLetters);
        return new Committed(outputs, deadLetters);
    }
}
