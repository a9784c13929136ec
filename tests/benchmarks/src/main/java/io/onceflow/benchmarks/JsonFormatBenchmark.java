package io.onceflow.benchmarks;

import io.onceflow.core.internal.state.JsonStateCodec;
import io.onceflow.kafka.Format;
import io.onceflow.kafka.Json;
import io.onceflow.kafka.internal.JsonFormat;
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
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;

/**
 * What encoding one small record costs with {@link Json#of}, against Jackson's {@code writeValueAsBytes} with the same
 * mapper (what the format did before it kept a generator per thread), and decoding it, with and without the creator
 * spread once, in nanoseconds; and the same record as keyed state through the default state codec ({@code encodeState}:
 * what a marker pays for every key its checkpoint changed, {@code decodeState}: what a restore pays for every entry):
 *
 * <pre>
 * java -jar tests/benchmarks/target/benchmarks.jar JsonFormatBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class JsonFormatBenchmark {

    /** The ledger's output record. */
    public record Balance(String account, long cents, long payments) {}

    private final Format<Balance> format = Json.of(Balance.class);
    private final ObjectWriter writer = JsonFormat.DEFAULT_MAPPER.writerFor(Balance.class);
    private final Balance balance = new Balance("account-1234", 123_456_789L, 4_242);
    private final byte[] encoded = format.encode(balance);
    private final ObjectReader plainReader = JsonFormat.strictSettings().build().readerFor(Balance.class);
    private final JsonStateCodec<Balance> stateCodec = JsonStateCodec.inferred(Balance.class);
    private final byte[] encodedState = stateCodec.encode(balance);

    @Benchmark
    public byte[] encode() {
        return format.encode(balance);
    }

    @Benchmark
    public byte[] encodeWriteValueAsBytes() {
        return writer.writeValueAsBytes(balance);
    }

    @Benchmark
    public Balance decode() {
        return format.decode(encoded);
    }

    /** The same record decoded by Jackson's own instantiator (what the format did before {@code Json.of} spread it). */
    @Benchmark
    public Balance decodeJacksonsCreator() {
        return plainReader.readValue(encoded);
    }

    @Benchmark
    public byte[] encodeState() {
        return stateCodec.encode(balance);
    }

    @Benchmark
    public Balance decodeState() {
        return stateCodec.decode(encodedState);
    }
}
