package io.onceflow.benchmarks.r2dbc;

/**
 * One run of one variant.
 *
 * @param records records processed
 * @param nanos from the first record asked for to the last commit
 * @param commitNanos when each commit returned, from the same start
 * @param committedBy the records committed by each commit and the ones before it
 */
record Result(long records, long nanos, long[] commitNanos, long[] committedBy) {

    /** Below this many commits between 10% and 90% of the input, {@link #steadyRecordsPerSecond} is not known. */
    static final int MIN_STEADY_COMMITS = 2;

    long commits() {
        return commitNanos.length;
    }

    /** From the start to the last commit: joining a group and the wait for the last checkpoint included. */
    double recordsPerSecond() {
        return records * 1e9 / nanos;
    }

    /**
     * The records committed between the first commit past 10% of the input and the last one before 90%, over the
     * time between those two commits: neither the start (joining the group, warming up) nor the wait for the last
     * checkpoint's timer (up to an interval, which made a run of a few intervals a whole interval shorter or longer
     * depending on where its last record fell) counts. {@code NaN} when fewer than {@link #MIN_STEADY_COMMITS}
     * commits fall in that span.
     */
    double steadyRecordsPerSecond() {
        int first = -1;
        int last = -1;
        for (int i = 0; i < committedBy.length; i++) {
            if (first < 0 && committedBy[i] >= records / 10) {
                first = i;
            }
            if (committedBy[i] <= records * 9 / 10) {
                last = i;
            }
        }
        if (first < 0 || last - first + 1 < MIN_STEADY_COMMITS) {
            return Double.NaN;
        }
        return (committedBy[last] - committedBy[first]) * 1e9 / (commitNanos[last] - commitNanos[first]);
    }

    /** Collects the commits of a run as they happen. */
    static final class Commits {
        private final long start = System.nanoTime();
        private final java.util.List<long[]> commits = new java.util.ArrayList<>();
        private long committed;

        /** A commit of {@code records} more records returned now. */
        synchronized void committed(long records) {
            committed += records;
            commits.add(new long[] {System.nanoTime() - start, committed});
        }

        synchronized Result result(long records) {
            long nanos = System.nanoTime() - start;
            long[] at = new long[commits.size()];
            long[] by = new long[commits.size()];
            for (int i = 0; i < at.length; i++) {
                at[i] = commits.get(i)[0];
                by[i] = commits.get(i)[1];
            }
            return new Result(records, nanos, at, by);
        }
    }
}
