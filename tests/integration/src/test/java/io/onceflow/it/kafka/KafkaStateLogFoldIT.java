package io.onceflow.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.Pipeline;
import io.onceflow.core.ProtocolListener;
import io.onceflow.core.ProtocolPoint;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.TransientFailureException;
import io.onceflow.it.kafka.KafkaLedger.Input;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.WithKafka;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * The transactional sink's state log across aborted folds and restores, on three instances in turn.
 *
 * <ol>
 *   <li>The first pays 80 accounts. Every second transaction fails right before its commit (aborted; the pipeline
 *       restarts and restores from the changelog) until the changelog shows two folds committed. A partition becomes
 *       due for a fold only when a checkpoint commits, so the first transaction to fold it is always one that fails:
 *       every fold is first aborted, then restored around and done again.
 *   <li>The second restores the log records the first left unfolded, which hold the last values of all 80 accounts,
 *       and pays only 40 of them: its folds must write the values it restored, or the quiet accounts are lost.
 *   <li>The third restores what the second folded and pays all 80 accounts again.
 * </ol>
 *
 * <p>The balances, numbered per account and summed, are exact from the output alone, across the three.
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
class KafkaStateLogFoldIT {

    private static final String IN = "payments";
    private static final String OUT = "balances";
    private static final String PIPELINE = "folds";
    private static final String CHANGELOG = PIPELINE + "-changelog";

    static {
        KafkaTestLogging.quiet();
    }

    @Test
    void foldsThatAbortAndFoldsOfRestoredLogsKeepEveryBalance(KafkaBroker broker) throws Throwable {
        String bootstrap = broker.bootstrapServers();
        broker.createTopic(IN, 4);
        broker.createTopic(OUT, 4);
        Input input = KafkaLedger.produce(bootstrap, IN, 0, 20_000, 80, 17);

        // the first instance: every second transaction fails before its commit until two folds have committed
        AtomicBoolean failing = new AtomicBoolean(true);
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        ProtocolListener failEverySecond = (point, checkpointId) -> {
            if (point == ProtocolPoint.BEFORE_TRANSACTION_COMMIT
                    && attempts.incrementAndGet() % 2 == 0
                    && failing.get()) {
                failed.incrementAndGet();
                throw new TransientFailureException(
                        "the test fails checkpoint " + checkpointId + " before its commit", null);
            }
        };
        Pipeline first = ledger(bootstrap, "0", failEverySecond);
        run(first, bootstrap, () -> {
            Awaitility.await("two folds committed")
                    .atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> foldedPartitions(bootstrap).size() >= 2);
            failing.set(false);
        });
        assertThat(failed.get()).as("transactions failed before their commit").isGreaterThanOrEqualTo(2);
        assertThat(first.status().restarts())
                .as("restarts, each restoring from the changelog")
                .isPositive();

        // the second instance restores the logs the first left unfolded, which hold the last values of all 80
        // accounts; only 40 of them pay now, so the quiet ones survive only if its folds write what it restored
        KafkaLedger.produce(bootstrap, IN, 20_000, 20_000, 40, 19, "acct-", input);
        run(ledger(bootstrap, "1", ProtocolListener.none()), bootstrap, () -> {});

        // the third restores what the second folded, and every account pays again
        KafkaLedger.produce(bootstrap, IN, 40_000, 4_000, 80, 18, "acct-", input);
        run(ledger(bootstrap, "2", ProtocolListener.none()), bootstrap, () -> {});

        KafkaLedger.assertExactlyOnce(KafkaLedger.balances(bootstrap, OUT), input);
    }

    /** Runs {@code pipeline}, does {@code meanwhile}, and stops it once it has committed all of its input. */
    private static void run(Pipeline pipeline, String bootstrap, ThrowingRunnable meanwhile) throws Throwable {
        Disposable running = pipeline.run().subscribe();
        try {
            meanwhile.run();
            KafkaLedger.awaitCaughtUp(bootstrap, PIPELINE, IN, Duration.ofMinutes(2));
            pipeline.stop().block(Duration.ofSeconds(60));
        } finally {
            running.dispose();
        }
    }

    private static Pipeline ledger(String bootstrap, String instance, ProtocolListener listener) {
        return KafkaLedger.ledger(
                KafkaLedger.pipeline(PIPELINE, instance, new SimpleMeterRegistry())
                        .protocolListener(listener)
                        .checkpointEvery(Duration.ofMillis(100))
                        .checkpointAfterRecords(200)
                        .restartPolicy(RestartPolicy.defaults()
                                .withMaxAttempts(200)
                                .withBackoff(Duration.ofMillis(50), Duration.ofMillis(200))),
                KafkaLedger.sourceOptions(bootstrap, IN).maxPollRecords(100).build(),
                KafkaLedger.sinkOptions(bootstrap).build(),
                OUT,
                flux -> flux);
    }

    /**
     * The source partitions with a fold committed: a fold deletes the partition's state log records, whose keys name
     * the reserved operator, then the source topic and partition (version, length and operator, length and topic,
     * partition).
     */
    private static Set<String> foldedPartitions(String bootstrap) {
        Set<String> folded = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record : changelog(bootstrap)) {
            if (record.value() == null && key(record).contains("onceflow/state-log")) {
                ByteBuffer key = ByteBuffer.wrap(record.key());
                key.get();
                int operatorLength = key.getInt();
                key.position(key.position() + operatorLength);
                byte[] topic = new byte[key.getInt()];
                key.get(topic);
                folded.add(new String(topic, StandardCharsets.UTF_8) + "-" + key.getInt());
            }
        }
        return folded;
    }

    private static List<ConsumerRecord<byte[], byte[]>> changelog(String bootstrap) {
        try {
            return KafkaLedger.readAll(bootstrap, CHANGELOG);
        } catch (RuntimeException notYet) {
            return List.of(); // the changelog topic is created with the first checkpoint that carries state
        }
    }

    private static String key(ConsumerRecord<byte[], byte[]> record) {
        return new String(record.key(), StandardCharsets.ISO_8859_1);
    }
}
