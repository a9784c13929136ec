package io.onceflow.benchmarks;

import io.onceflow.core.StreamElement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Where the operator-overhead chain's time goes: the same elements through one hand-written Reactor stage that
 * does the chain's work with a {@code HashMap}, then with the keyed operator's own state table (and its markers'
 * changes), against the library's chain ({@link OperatorChains#fluent}). The differences are the parts: the element
 * per record (the hand-written stage against {@link OperatorOverheadBenchmark#plainFlux}), the state table (the two
 * hand-written stages), and the operator's plumbing (the table's stage against the library's). A diagnostic for
 * profiling-notes.md, not a goal of the report.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(
        value = 2,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@OperationsPerInvocation(OperatorOverheadBenchmark.RECORDS)
public class ChainPartsBenchmark {

    /** Records per checkpoint, as in {@link OperatorOverheadBenchmark}. */
    @Param({"1000", "100000"})
    public int markerEvery;

    private List<StreamElement<Long>> elements;

    @Setup
    public void setUp() {
        elements = OperatorChains.elements(OperatorOverheadBenchmark.RECORDS, markerEvery);
    }

    @Benchmark
    public long handWrittenHashMap() {
        return OperatorChains.handWrittenHashMap(elements);
    }

    @Benchmark
    public long handWrittenStateTable() {
        return OperatorChains.handWrittenStateTable(elements);
    }

    @Benchmark
    public long fluent() {
        return OperatorChains.fluent(elements);
    }
}
