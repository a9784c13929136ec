package io.onceflow.chaos.shapes;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.chaos.shapes.ShapeOracle.LoggedRecord;
import io.onceflow.core.CheckpointedFlux;
import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.Onceflow;
import io.onceflow.core.Pipeline;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.InMemoryIdempotentSink;
import io.onceflow.core.testkit.ProtocolStep;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A shape's stages run in this JVM over its input as its topics hold it, from a {@link TestSource} with one partition
 * per lane into an in-memory commit point and idempotent table; without faults (what {@link ShapeOracle} computes),
 * or under seeded protocol faults (failed opens, recoveries and commits, before and after they take effect, failed
 * table flushes, and the first run cut after some checkpoints), which is how {@link ShapeShrinker} looks for a small
 * case of a mismatch without a broker.
 *
 * <p>Records that do not decode become dead letters of the {@code deserialize} stage; in the test source they are
 * placeholders that a filter drops first, so that every other record keeps its offset.
 */
public final class ShapeRun {

    /** A placeholder's value: no generated number is this. */
    private static final long UNDECODABLE = Long.MIN_VALUE;

    private ShapeRun() {}

    /** The seeded faults of a run: none, or a seed for the failures and after how many checkpoints to cut a run. */
    public record Faults(long seed, int cutAfter) {

        public static final Faults NONE = new Faults(0, 0);

        public boolean any() {
            return seed != 0 || cutAfter > 0;
        }
    }

    /**
     * What a run committed.
     *
     * @param outputs per lane, its outputs in commit order
     * @param deadLetters every dead letter as {@link ShapeOracle#deadLetter}, sorted
     * @param table the idempotent table, per {@code lane/tableKey}
     */
    public record Outcome(Map<Integer, List<Output>> outputs, List<String> deadLetters, Map<String, Output> table) {

        /** Outputs over all lanes. */
        public long outputCount() {
            return outputs.values().stream().mapToLong(List::size).sum();
        }
    }

    /**
     * Runs {@code stages} over {@code input} (per lane, offsets from 0 without gaps) with {@code lanes} lanes,
     * checkpointing every {@code checkpointEvery} records.
     */
    public static Outcome run(
            List<Stage> stages, int lanes, Map<Integer, List<LoggedRecord>> input, int checkpointEvery, Faults faults) {
        TestSource<Tagged> source = TestSource.create("shape-in", lanes);
        List<String> deadLetters = new ArrayList<>();
        input.forEach((lane, records) -> {
            for (int i = 0; i < records.size(); i++) {
                LoggedRecord record = records.get(i);
                if (record.offset() != i) {
                    throw new IllegalStateException("lane " + lane + " has a gap at offset " + i
                            + ": a run needs the offsets of a plain producer");
                }
                Tagged value;
                try {
                    value = ShapeFormats.INPUT.decode(record.value());
                } catch (RuntimeException e) {
                    value = new Tagged(lane, UNDECODABLE);
                    deadLetters.add(ShapeOracle.deadLetter(lane, record.offset(), "deserialize"));
                }
                source.emitAt(lane, record.timestamp(), value);
            }
        });
        source.complete();
        InMemoryCommitPoint<Output> ledger =
                InMemoryCommitPoint.<Output>create("ledger").withDeadLetters();
        InMemoryIdempotentSink<Output, String> table =
                InMemoryIdempotentSink.create("table", out -> out.partition() + "/" + out.tableKey());
        if (faults.seed() != 0) {
            ledger.failRandomly(
                    0.2,
                    faults.seed(),
                    ProtocolStep.OPEN,
                    ProtocolStep.RECOVER,
                    ProtocolStep.BEFORE_COMMIT,
                    ProtocolStep.AFTER_COMMIT);
            table.failRandomly(0.1, faults.seed() + 1, ProtocolStep.FLUSH);
        }
        if (faults.cutAfter() > 0) {
            pipeline(stages, source, ledger, table, checkpointEvery)
                    .run()
                    .take(faults.cutAfter())
                    .blockLast(Duration.ofMinutes(1));
        }
        pipeline(stages, source, ledger, table, checkpointEvery).run().blockLast(Duration.ofMinutes(2));

        Map<Integer, List<Output>> outputs = new TreeMap<>();
        for (int lane = 0; lane < lanes; lane++) {
            outputs.put(lane, new ArrayList<>());
        }
        for (Data<Output> record : ledger.committedRecords()) {
            outputs.get(record.value().partition()).add(record.value());
        }
        for (DeadLetter<?> dead : ledger.deadLetters()) {
            deadLetters.add(ShapeOracle.deadLetter(
                    dead.origin().partition(), dead.origin().offset(), dead.stage()));
        }
        deadLetters.sort(null);
        return new Outcome(outputs, deadLetters, new TreeMap<>(table.table()));
    }

    private static Pipeline pipeline(
            List<Stage> stages,
            TestSource<Tagged> source,
            InMemoryCommitPoint<Output> ledger,
            InMemoryIdempotentSink<Output, String> table,
            int checkpointEvery) {
        CheckpointedFlux<Tagged> decoded = Onceflow.pipeline("shape")
                .checkpointEvery(Duration.ZERO)
                .checkpointAfterRecords(checkpointEvery)
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.defaults()
                        .withMaxAttempts(Long.MAX_VALUE)
                        .withBackoff(Duration.ZERO, Duration.ofMillis(1)))
                .from(source)
                .filter(tagged -> tagged.value() != UNDECODABLE);
        return ShapeStages.build(decoded, stages).to(ledger, table);
    }
}
