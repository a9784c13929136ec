package io.onceflow.benchmarks;

import io.onceflow.core.internal.state.JsonStateCodec;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the default state codec costs for one record state, in nanoseconds: encoding is what a marker pays for every
 * key its checkpoint changed, decoding what a restore pays for every entry it reads.
 *
 * <pre>
 * java -jar tests/benchmarks/target/benchmarks.jar StateCodecBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class StateCodecBenchmark {

    /** The ledger's keyed state. */
    public record Balance(String account, long cents, long payments) {}

    private final JsonStateCodec<Balance> codec = JsonStateCodec.inferred(Balance.class);
    private final Balance balance = new Balance("account-1234", 123_456_789L, 4_242);
    private final byte[] encoded = codec.encode(balance);

    @Benchmark
    public byte[] encode() {
        return codec.encode(balance);
    }

    @Benchmark
    public Balance decode() {
        return codec.decode(encoded);
    }
}
