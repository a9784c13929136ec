package io.onceflow.benchmarks;

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
 * The design experiment of {@link BatchedElementsSketch} beside the three chains of {@link OperatorOverheadBenchmark},
 * in one run, in nanoseconds per record:
 *
 * <pre>
 * java -jar tests/benchmarks/target/benchmarks.jar 'OperatorOverheadBenchmark|BatchedElementsBenchmark' -f 1 -wi 4 -i 6
 * </pre>
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
public class BatchedElementsBenchmark {

    /** Records per checkpoint, as in {@link OperatorOverheadBenchmark#markerEvery}. */
    @Param({"1000", "100000"})
    public int markerEvery;

    private List<Object> batches;

    @Setup
    public void setUp() {
        batches = BatchedElementsSketch.elements(OperatorOverheadBenchmark.RECORDS, markerEvery);
    }

    @Benchmark
    public long batched() {
        return BatchedElementsSketch.chain(batches);
    }
}
