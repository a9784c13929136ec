package io.onceflow.benchmarks.e2e;

import io.onceflow.benchmarks.e2e.TimedLedger.Balance;
import io.onceflow.benchmarks.kafka.StreamsSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

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
        Topology topology = StreamsSettings.ledger(
                input,
                output,
                name + "-store",
                TimedLedger.PAYMENTS,
                TimedLedger.BALANCES,
                () -> Balance.empty(""),
                (account, payment, balance) -> new Balance(
                                account,
                                balance.cents(),
                                balance.payments(),
                                balance.lastPaymentId(),
                                balance.sentNanos())
                        .apply(payment));
        Path stateDir;
        try {
            stateDir = Files.createTempDirectory("onceflow-latency-streams-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Properties props = StreamsSettings.exactlyOnce(name, bootstrap, commitInterval, stateDir, PRODUCER);
        KafkaStreams streams = new KafkaStreams(topology, props);
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
        StreamsSettings.deleteStateDir(stateDir);
    }
}
