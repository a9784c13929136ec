package io.onceflow.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Pipeline;
import io.onceflow.core.RestartPolicy;
import io.onceflow.it.kafka.KafkaLedger.Input;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.WithKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * A restore never uses stale state, on a real broker: a pipeline reading two topics keeps the state of both
 * {@code payments-0} and {@code refunds-0} in changelog partition 0, and an owner that froze with a transaction open
 * on that partition holds back everything committed there after it. A new run claiming {@code payments-0}, whose
 * offsets were committed with newer state than the changelog lets it read, must not start from the older state: the
 * claim fails as retryable and is tried again until the frozen transaction is gone.
 *
 * <p>Before the changelog recorded which checkpoint each partition's state is as of, the claim waited at most five
 * seconds for the changelog and then restored the older state: the balances restarted from it, and the output's
 * per-account sequences broke.
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
class KafkaStaleRestoreIT {

    private static final String PAYMENTS = "payments";
    private static final String REFUNDS = "refunds";
    private static final String OUT = "balances";
    private static final String PIPELINE = "stale";

    static {
        KafkaTestLogging.quiet();
    }

    @Test
    void aClaimWaitsForTheCommittedStateInsteadOfRestoringOlderState(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        broker.createTopic(PAYMENTS, 1);
        broker.createTopic(REFUNDS, 1);
        broker.createTopic(OUT, 1);
        Input input = KafkaLedger.produce(bootstrap, PAYMENTS, 0, 2_000, 40, 1, "p-", new Input());
        KafkaLedger.produce(bootstrap, REFUNDS, 100_000, 2_000, 40, 2, "r-", input);
        runUntilCaughtUp(bootstrap, 2 * 2_000);

        // an owner sharing changelog partition 0 freezes with its transaction open: nothing committed on the partition
        // after this becomes readable until the transaction ends
        try (KafkaProducer<byte[], byte[]> frozen = frozenOwner(bootstrap)) {
            frozen.beginTransaction();
            frozen.send(new ProducerRecord<>(PIPELINE + "-changelog", 0, new byte[] {9}, new byte[] {9}))
                    .get();
            KafkaLedger.produce(bootstrap, PAYMENTS, 10_000, 1_000, 40, 3, "p-", input);
            runUntilCaughtUp(bootstrap, 2 * 2_000 + 1_000); // commits payments-0's newer state behind the open one

            KafkaLedger.produce(bootstrap, PAYMENTS, 20_000, 1_000, 40, 4, "p-", input);
            List<CheckpointEvent> events = new CopyOnWriteArrayList<>();
            Pipeline pipeline = pipeline(bootstrap);
            Disposable running = pipeline.run().subscribe(events::add);
            try {
                // the claim cannot restore payments-0's committed state: it must fail and be tried again, not go on
                await().atMost(Duration.ofMinutes(1))
                        .until(() -> pipeline.status().restarts() > 0 || !events.isEmpty());
                assertThat(events).as("checkpoints on top of older state").isEmpty();
                assertThat(pipeline.status().lastError())
                        .hasMessageContaining("has not reached the committed state of [payments-0]");

                frozen.abortTransaction(); // the frozen owner's transaction ends (it would at its timeout)
                KafkaLedger.awaitCaughtUp(bootstrap, PIPELINE, PAYMENTS, Duration.ofMinutes(1));
                pipeline.stop().block(Duration.ofSeconds(30));
            } finally {
                running.dispose();
            }
        }
        KafkaLedger.assertExactlyOnce(KafkaLedger.balances(bootstrap, OUT), input);
    }

    private static void runUntilCaughtUp(String bootstrap, long records) throws Exception {
        Pipeline pipeline = pipeline(bootstrap);
        Disposable running = pipeline.run().subscribe();
        try {
            KafkaLedger.awaitCaughtUp(bootstrap, PIPELINE, PAYMENTS, Duration.ofMinutes(1));
            KafkaLedger.awaitCaughtUp(bootstrap, PIPELINE, REFUNDS, Duration.ofMinutes(1));
            pipeline.stop().block(Duration.ofSeconds(30));
        } finally {
            running.dispose();
        }
    }

    private static Pipeline pipeline(String bootstrap) {
        return KafkaLedger.ledger(
                KafkaLedger.pipeline(PIPELINE, "0", new SimpleMeterRegistry())
                        .restartPolicy(RestartPolicy.defaults()
                                .withMaxAttempts(20)
                                .withBackoff(Duration.ofMillis(200), Duration.ofSeconds(1))),
                KafkaLedger.sourceOptions(bootstrap, PAYMENTS).topic(REFUNDS).build(),
                KafkaLedger.sinkOptions(bootstrap)
                        .transactionTimeout(Duration.ofSeconds(2))
                        .claimTimeout(Duration.ofSeconds(12))
                        .build(),
                OUT,
                flux -> flux);
    }

    /** A transactional producer of another owner, which will hold a transaction open and do nothing more. */
    private static KafkaProducer<byte[], byte[]> frozenOwner(String bootstrap) {
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(
                        "bootstrap.servers", bootstrap,
                        "transactional.id", "frozen-owner",
                        "transaction.timeout.ms", "120000"),
                new ByteArraySerializer(),
                new ByteArraySerializer());
        producer.initTransactions();
        return producer;
    }
}
