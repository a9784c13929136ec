package io.onceflow.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;

/**
 * Where the operator-overhead chain's time goes: {@link OperatorOverheadBenchmark}'s chains (inherited, with its
 * settings and elements), and beside them the same elements through one hand-written Reactor stage that does the
 * chain's work with a {@code HashMap}, then with the keyed operator's own state table (and its markers' changes). The
 * differences are the parts: the element per record (the hand-written stage against {@code plainFlux}), the state
 * table (the two hand-written stages), and the operator's plumbing (the table's stage against {@code fluent}). A
 * diagnostic for profiling-notes.md, not a goal of the report.
 */
public class ChainPartsBenchmark extends OperatorOverheadBenchmark {

    @Benchmark
    public long handWrittenHashMap() {
        return OperatorChains.handWrittenHashMap(elements);
    }

    @Benchmark
    public long handWrittenStateTable() {
        return OperatorChains.handWrittenStateTable(elements);
    }
}
