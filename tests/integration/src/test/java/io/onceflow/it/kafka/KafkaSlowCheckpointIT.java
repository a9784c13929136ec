package io.onceflow.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Pipeline;
import io.onceflow.core.TransientFailureException;
import io.onceflow.core.testkit.InMemoryIdempotentSink;
import io.onceflow.it.kafka.KafkaLedger.Balance;
import io.onceflow.it.kafka.KafkaLedger.Input;
import io.onceflow.it.kafka.KafkaLedger.Payment;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.kafka.KafkaTransactionalSink;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.WithKafka;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A checkpoint slower than the Kafka sink's {@code transactionTimeout}: the transaction coordinator aborts its
 * transaction and fences the producer, which kafka-clients reports as it reports a newer producer with the same
 * transactional id. The pipeline must restart from its last checkpoint and go on, exactly once, rather than stop as if
 * a second instance had taken its place (what it did: a generated shape with a PostgreSQL table beside the Kafka commit
 * point stopped for good when 120 pipelines started at once on two cores).
 *
 * <p>The slow part is an idempotent sink beside the commit point whose first flush completes only once the coordinator
 * has aborted the open transaction, as {@code describeTransactions} shows: the timeout is made to happen, not waited for
 * by the clock.
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
class KafkaSlowCheckpointIT {

    private static final String PIPELINE = "slow-checkpoint";
    private static final String IN = PIPELINE + "-payments";
    private static final String OUT = PIPELINE + "-balances";

    static {
        KafkaTestLogging.quiet();
    }

    @Test
    void aCheckpointThatOutlivesItsTransactionRestartsTheRunAndStaysExactlyOnce(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        broker.createTopic(IN, 4);
        broker.createTopic(OUT, 4);
        Input input = KafkaLedger.produce(bootstrap, IN, 0, 20_000, 200, 23);

        try (Admin admin = KafkaLedger.admin(bootstrap)) {
            AtomicBoolean timedOut = new AtomicBoolean();
            // the first checkpoint's flush beside the commit point lasts until its transaction is aborted
            InMemoryIdempotentSink<Balance, String> slow = InMemoryIdempotentSink.<Balance, String>create(
                            "table", Balance::account)
                    .holdNextFlush(Mono.fromRunnable(() -> {
                                awaitAborted(admin, PIPELINE + "-0");
                                timedOut.set(true);
                            })
                            .subscribeOn(Schedulers.boundedElastic()));
            KafkaSource<Payment> payments =
                    KafkaSource.create(KafkaLedger.sourceOptions(bootstrap, IN).build());
            Pipeline pipeline = KafkaLedger.pipeline(PIPELINE, "0", new SimpleMeterRegistry())
                    .checkpointEvery(Duration.ofMillis(300))
                    .checkpointTimeout(Duration.ofSeconds(60))
                    .from(payments)
                    .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                    .to(
                            KafkaTransactionalSink.create(
                                    payments,
                                    KafkaLedger.sinkOptions(bootstrap)
                                            .transactionTimeout(Duration.ofSeconds(2))
                                            .build(),
                                    balance -> KafkaRecord.of(OUT, balance.account(), balance)),
                            slow);
            List<CheckpointEvent> events = new CopyOnWriteArrayList<>();
            Disposable running = pipeline.run().subscribe(events::add, error -> {});
            try {
                KafkaLedger.awaitCaughtUp(bootstrap, PIPELINE, IN, Duration.ofMinutes(2));
                pipeline.stop().block(Duration.ofSeconds(60));
            } finally {
                running.dispose();
            }

            assertThat(timedOut.get())
                    .as("the coordinator aborted the slow checkpoint's transaction")
                    .isTrue();
            assertThat(events)
                    .filteredOn(CheckpointEvent::failed)
                    .first()
                    .satisfies(failed -> assertThat(failed.error().orElseThrow())
                            .hasRootCauseInstanceOf(ProducerFencedException.class)
                            .cause()
                            .isInstanceOf(TransientFailureException.class)
                            .hasMessageContaining("longer than the Kafka sink's transactionTimeout (PT2S)"));
            assertThat(pipeline.status().restarts()).isPositive();
        }
        KafkaLedger.assertExactlyOnce(KafkaLedger.balances(bootstrap, OUT), input);
    }

    /**
     * Waits (polling the coordinator, within the pipeline's checkpoint timeout) until the transaction coordinator no
     * longer has the ongoing transaction of {@code transactionalId}: it aborted it for its timeout.
     */
    private static void awaitAborted(Admin admin, String transactionalId) {
        AtomicBoolean seenOngoing = new AtomicBoolean();
        await("the coordinator aborting transaction " + transactionalId)
                .atMost(Duration.ofSeconds(45))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    TransactionState state = admin.describeTransactions(List.of(transactionalId))
                            .all()
                            .get(10, TimeUnit.SECONDS)
                            .get(transactionalId)
                            .state();
                    if (state == TransactionState.ONGOING) {
                        seenOngoing.set(true);
                    }
                    return seenOngoing.get()
                            && (state == TransactionState.PREPARE_ABORT || state == TransactionState.COMPLETE_ABORT);
                });
    }
}
