package io.onceflow.benchmarks;

import io.onceflow.core.StreamElement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * The cost of the marker model: map, filter and keyed over {@code Flux<StreamElement<T>>}, against the same chain
 * over a plain {@code Flux<T>}, in nanoseconds per record. The report divides one by the other.
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
public class OperatorOverheadBenchmark {

    static final int RECORDS = 100_000;

    /**
     * Records per checkpoint. The keyed state a checkpoint changed is encoded at its marker, so the cost per record
     * falls as checkpoints grow: 1,000 is a 1 s checkpoint at 1,000 records/s (the worst case: nearly every record
     * changes a key no other record of its checkpoint changes), 100,000 a 1 s checkpoint at 100,000 records/s.
     */
    @Param({"1000", "100000"})
    public int markerEvery;

    /** The elements of every chain over the marker model; package-private for {@link ChainPartsBenchmark}. */
    List<StreamElement<Long>> elements;

    private List<Long> values;

    /** The same records in batches, as a pipeline's source stage hands them on from a source that polls. */
    List<Object> batches;

    /**
     * A fresh copy of the benchmark's batches for each invocation of {@link #batched}, made outside the measurement
     * (as {@link #elements} are made once): the operators rewrite a batch in place, as they may a batch its source has
     * just made. A state of its own, so that the other chains' invocations neither copy nor count the copies.
     */
    @State(Scope.Thread)
    public static class FreshBatches {
        List<Object> batches;

        @Setup(Level.Invocation)
        public void copy(OperatorOverheadBenchmark benchmark) {
            batches = OperatorChains.copies(benchmark.batches);
        }
    }

    @Setup
    public void setUp() {
        elements = OperatorChains.elements(RECORDS, markerEvery);
        values = OperatorChains.values(RECORDS);
        batches = OperatorChains.batches(RECORDS, markerEvery);
    }

    @Benchmark
    public long fluent() {
        return OperatorChains.fluent(elements);
    }

    @Benchmark
    public long batched(FreshBatches fresh) {
        return OperatorChains.batched(fresh.batches);
    }

    @Benchmark
    public long markerModel() {
        return OperatorChains.markerModel(elements);
    }

    @Benchmark
    public long plainFlux() {
        return OperatorChains.plain(values);
    }
}
