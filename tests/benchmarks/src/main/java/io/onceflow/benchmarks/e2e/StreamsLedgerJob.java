package io.onceflow.benchmarks.e2e;

import io.onceflow.benchmarks.e2e.TimedLedger.Balance;
import io.onceflow.benchmarks.e2e.TimedLedger.Payment;
import io.onceflow.kafka.Format;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * The latency benchmark's baseline: the same ledger job in Kafka Streams with {@code exactly_once_v2}, committing
 * every checkpoint interval, so that Onceflow's latency can be read against what Kafka's own exactly-once engine gets
 * from the same host, broker and load.
 *
 * <p>Like for like with the Onceflow job: a balance out per payment (no record cache), its state in memory with a
 * changelog, one stream thread, and the producer batching of the Onceflow sink's defaults ({@code linger.ms=50},
 * {@code batch.size=262144}; records are invisible until the commit, which flushes them, in both).
 */
final class StreamsLedgerJob implements AutoCloseable {

    /** The Onceflow Kafka sink's producer defaults that bear on latency, given to the Streams producer too. */
    static final Map<String, String> PRODUCER = Map.of("linger.ms", "50", "batch.size", "262144");

    private final KafkaStreams streams;
    private final Path stateDir;

    private StreamsLedgerJob(KafkaStreams streams, Path stateDir) {
        this.streams = streams;
        this.stateDir = stateDir;
    }

    /**
     * Starts the job: {@code input}'s payments (keyed by account) folded into balances written to {@code output};
     * a failure of its stream thread goes to {@code failure}, and the thread is not replaced.
     */
    static StreamsLedgerJob start(
            String bootstrap,
            String name,
            String input,
            String output,
            Duration commitInterval,
            AtomicReference<Throwable> failure) {
        Serde<Payment> payments = serde(TimedLedger.PAYMENTS);
        Serde<Balance> balances = serde(TimedLedger.BALANCES);
        StreamsBuilder topology = new StreamsBuilder();
        topology.stream(input, Consumed.with(Serdes.String(), payments))
                .groupByKey()
                .aggregate(
                        () -> Balance.empty(""),
                        (account, payment, balance) -> new Balance(
                                        account,
                                        balance.cents(),
                                        balance.payments(),
                                        balance.lastPaymentId(),
                                        balance.sentNanos())
                                .apply(payment),
                        Materialized.<String, Balance>as(Stores.inMemoryKeyValueStore(name + "-store"))
                                .withKeySerde(Serdes.String())
                                .withValueSerde(balances))
                .toStream()
                .to(output, Produced.with(Serdes.String(), balances));
        Path stateDir;
        try {
            stateDir = Files.createTempDirectory("onceflow-latency-streams-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, name);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitInterval.toMillis());
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0); // one output per input, like the others
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        PRODUCER.forEach((key, value) -> props.put(StreamsConfig.producerPrefix(key), value));
        KafkaStreams streams = new KafkaStreams(topology.build(), props);
        streams.setUncaughtExceptionHandler(exception -> {
            failure.compareAndSet(null, exception);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.start();
        return new StreamsLedgerJob(streams, stateDir);
    }

    @Override
    public void close() throws IOException {
        streams.close(Duration.ofMinutes(1));
        streams.cleanUp();
        try (Stream<Path> files = Files.walk(stateDir)) {
            files.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        }
    }

    private static <T> Serde<T> serde(Format<T> format) {
        return Serdes.serdeFrom(
                (topic, value) -> value == null ? null : format.encode(value),
                (topic, bytes) -> bytes == null ? null : format.decode(bytes));
    }
}
