package io.onceflow.chaos.shapes;

/**
 * What a shape commits: the {@code n}-th output of input partition {@code partition} (from 0). The numbering is keyed
 * state too, so a replay numbers its outputs as the first run did: a loss is a missing number, a duplicate a number
 * twice (in a topic), a wrong value a different value at a number.
 *
 * @param partition the input partition it descends from
 * @param n its place among that partition's outputs
 * @param value the number the shape computed
 */
public record Output(int partition, long n, long value) {

    /** The row key of the idempotent table: one of five per partition, so that rows are overwritten often. */
    public long tableKey() {
        return Math.floorMod(value, 5);
    }
}
