package io.onceflow.benchmarks.r2dbc;

/**
 * One run of one variant.
 *
 * @param records records processed
 * @param nanos from the first record asked for to the last commit
 * @param commits commits (checkpoints, flushes) made
 */
record Result(long records, long nanos, long commits) {

    double recordsPerSecond() {
        return records * 1e9 / nanos;
    }
}
