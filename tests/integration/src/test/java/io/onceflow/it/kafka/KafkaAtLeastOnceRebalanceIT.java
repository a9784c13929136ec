package io.onceflow.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Pipeline;
import io.onceflow.core.PipelineStatus;
import io.onceflow.core.RestartPolicy;
import io.onceflow.it.kafka.KafkaLedger.Balance;
import io.onceflow.it.kafka.KafkaLedger.Input;
import io.onceflow.it.kafka.KafkaLedger.Payment;
import io.onceflow.kafka.DeliveryGuarantee;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSink;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.WithKafka;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * Two instances of one at-least-once pipeline in one consumer group while payments keep arriving: a second joins (the
 * first closes the partitions it gives up with a checkpoint whose offsets its consumer commits from inside the
 * revocation callback), then the first leaves. Nothing fails, nothing restarts, no payment is lost, and, since no
 * checkpoint failed, none is replayed either: a graceful handover writes no duplicate.
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
class KafkaAtLeastOnceRebalanceIT {

    private static final String IN = "alo-rebalance-payments";
    private static final String OUT = "alo-rebalance-balances";
    private static final String PIPELINE = "alo-shared";

    static {
        KafkaTestLogging.quiet();
    }

    @Test
    void secondInstanceJoinsThenFirstLeaves(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        broker.createTopic(IN, 4);
        broker.createTopic(OUT, 4);
        Input input = KafkaLedger.produce(bootstrap, IN, 0, 20_000, 400, 3);
        CompletableFuture<Input> more = CompletableFuture.supplyAsync(() -> {
            Input produced = new Input();
            for (int batch = 0; batch < 20; batch++) {
                produced.addAll(KafkaLedger.produce(bootstrap, IN, 1_000_000L + batch * 10_000L, 2_000, 400, batch));
                try {
                    Thread.sleep(300); // pacing the input through both rebalances
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return produced;
        });

        List<CheckpointEvent> eventsA = new CopyOnWriteArrayList<>();
        List<CheckpointEvent> eventsB = new CopyOnWriteArrayList<>();
        Pipeline a = pipeline(bootstrap, "a");
        Pipeline b = pipeline(bootstrap, "b");
        Disposable runningA = a.run().subscribe(eventsA::add);
        Disposable runningB = null;
        try (Admin admin = KafkaLedger.admin(bootstrap)) {
            awaitCommitted(admin, 5_000);
            runningB = b.run().subscribe(eventsB::add);
            awaitRecords(eventsB, 1_000);
            long beforeLeave = KafkaLedger.committedRecords(admin, PIPELINE);
            a.stop().block(Duration.ofSeconds(60));
            assertThat(a.status().state()).isEqualTo(PipelineStatus.State.STOPPED);
            awaitCommitted(admin, beforeLeave + 5_000);
            input.addAll(more.get(2, TimeUnit.MINUTES));
            KafkaLedger.awaitCaughtUp(bootstrap, PIPELINE, IN, Duration.ofMinutes(2));
            b.stop().block(Duration.ofSeconds(60));
        } finally {
            runningA.dispose();
            if (runningB != null) {
                runningB.dispose();
            }
        }

        Map<Long, Integer> effects = new HashMap<>();
        KafkaLedger.balances(bootstrap, OUT)
                .forEach(balance -> effects.merge(balance.lastPaymentId(), 1, Integer::sum));
        Set<Long> lost = new HashSet<>(input.payments.keySet());
        lost.removeAll(effects.keySet());
        long duplicates = effects.values().stream().mapToLong(n -> n - 1).sum();
        System.out.printf(
                "at-least-once through two rebalances: %d payments, %d lost, %d duplicates%n",
                input.payments.size(), lost.size(), duplicates);
        assertThat(lost).as("payments without any balance").isEmpty();
        assertThat(eventsA).isNotEmpty().allMatch(CheckpointEvent::completed);
        assertThat(eventsB).isNotEmpty().allMatch(CheckpointEvent::completed);
        assertThat(a.status().restarts()).isZero();
        assertThat(b.status().restarts()).isZero();
        assertThat(duplicates).as("duplicates of a graceful handover").isZero();
    }

    private static Pipeline pipeline(String bootstrap, String instance) {
        KafkaSource<Payment> payments = KafkaSource.create(
                KafkaLedger.sourceOptions(bootstrap, IN).maxPollRecords(200).build());
        return KafkaLedger.pipeline(PIPELINE, instance, new SimpleMeterRegistry())
                .revocationGracePeriod(Duration.ofSeconds(10))
                .restartPolicy(RestartPolicy.never())
                .from(payments)
                .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                .to(KafkaSink.create(
                        payments,
                        KafkaLedger.sinkOptions(bootstrap)
                                .deliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                                .build(),
                        (Balance balance) -> KafkaRecord.of(OUT, balance.account(), balance)));
    }

    private static void awaitRecords(List<CheckpointEvent> events, long records) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (events.stream().mapToLong(CheckpointEvent::records).sum() < records) {
            assertThat(System.nanoTime()).as("the second instance's work").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static void awaitCommitted(Admin admin, long records) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (KafkaLedger.committedRecords(admin, PIPELINE) < records) {
            assertThat(System.nanoTime()).as("%d records committed", records).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
