package io.onceflow.chaos.shapes;

import java.util.ArrayList;
import java.util.List;

/**
 * What the verifier found in one shape's committed outputs, against the oracle.
 *
 * @param shape the shape, described
 * @param inputRecords records in its input topic
 * @param notProcessed input records at or after the committed positions (zero once caught up)
 * @param expectedOutputs outputs the oracle committed; where only an idempotent table holds the outputs (a checkpoint
 *     store as the commit point), the rows they imply
 * @param outputs outputs read from the commit point (read_committed topic, or table), or the idempotent table's rows
 * @param missing outputs of the oracle absent from the commit point
 * @param duplicates outputs present more than once (a number of a partition seen twice)
 * @param wrong outputs at their place with another value, or out of order
 * @param extra outputs the oracle does not have
 * @param deadLetters dead letters the oracle committed (records that do not decode, user functions that threw)
 * @param deadLetterMismatches dead letters missing or extra (by origin and stage)
 * @param tableMismatches rows of the idempotent table that differ from what the committed outputs imply
 * @param examples the first few problems, described
 */
public record ShapeVerdict(
        String shape,
        long inputRecords,
        long notProcessed,
        long expectedOutputs,
        long outputs,
        long missing,
        long duplicates,
        long wrong,
        long extra,
        long deadLetters,
        long deadLetterMismatches,
        long tableMismatches,
        List<String> examples) {

    public ShapeVerdict {
        examples = List.copyOf(examples);
    }

    /** This verdict with {@code example} added to its examples. */
    public ShapeVerdict withExample(String example) {
        List<String> more = new ArrayList<>(examples);
        more.add(example);
        return new ShapeVerdict(
                shape,
                inputRecords,
                notProcessed,
                expectedOutputs,
                outputs,
                missing,
                duplicates,
                wrong,
                extra,
                deadLetters,
                deadLetterMismatches,
                tableMismatches,
                more);
    }

    /** The shape committed exactly what it commits without faults. */
    public boolean exact() {
        return notProcessed == 0
                && missing == 0
                && duplicates == 0
                && wrong == 0
                && extra == 0
                && deadLetterMismatches == 0
                && tableMismatches == 0;
    }
}
