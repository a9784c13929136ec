package io.onceflow.chaos.shapes;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a shape must commit, computed without faults: the same stages over the same input, in this JVM
 * ({@link ShapeRun}: a test source with one partition per lane of the shape, that is per partition of each input
 * topic, into an in-memory commit point). Records that do not decode are expected dead letters of the
 * {@code deserialize} stage.
 */
public final class ShapeOracle {

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
        ShapeRun.Outcome outcome = ShapeRun.run(shape.stages(), shape.lanes(), input, 64, ShapeRun.Faults.NONE);
        return new Committed(outcome.outputs(), outcome.deadLetters());
    }
}
