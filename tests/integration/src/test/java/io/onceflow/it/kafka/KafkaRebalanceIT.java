package io.onceflow.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Pipeline;
import io.onceflow.core.PipelineStatus;
import io.onceflow.it.kafka.KafkaLedger.Input;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.WithKafka;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * Two instances of one pipeline in one consumer group, while payments keep arriving: a second instance joins
 * mid-stream (the group moves two partitions to it: the first instance closes them with a checkpoint inside the
 * revocation grace period, the second restores their state from the changelog), then the first leaves (its
 * partitions move to the second). The output is exact, neither instance ever fails or restarts, and both did work.
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
class KafkaRebalanceIT {

    private static final String IN = "payments";
    private static final String OUT = "balances";
    private static final String PIPELINE = "shared";

    static {
        KafkaTestLogging.quiet();
    }

    @Test
    void secondInstanceJoinsThenFirstLeaves(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        broker.createTopic(IN, 4);
        broker.createTopic(OUT, 4);
        Input input = KafkaLedger.produce(bootstrap, IN, 0, 20_000, 400, 3);
        // payments keep arriving through both rebalances
        CompletableFuture<Input> more = CompletableFuture.supplyAsync(() -> {
            Input produced = new Input();
            for (int batch = 0; batch < 20; batch++) {
                produced.addAll(KafkaLedger.produce(bootstrap, IN, 1_000_000L + batch * 10_000L, 2_000, 400, batch));
                sleep(300);
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
            long joined = System.nanoTime();
            // the second instance got partitions and committed work of its own: the rebalance did not stall
            awaitRecords(eventsB, 1_000, Duration.ofSeconds(60));
            long working = System.nanoTime() - joined;
            long committedBeforeLeave = KafkaLedger.committedRecords(admin, PIPELINE);
            a.stop().block(Duration.ofSeconds(60));
            assertThat(a.status().state()).isEqualTo(PipelineStatus.State.STOPPED);
            // the second instance now has every partition and keeps going
            awaitCommitted(admin, committedBeforeLeave + 5_000);
            input.addAll(more.get(2, TimeUnit.MINUTES));
            KafkaLedger.awaitCaughtUp(bootstrap, PIPELINE, IN, Duration.ofMinutes(2));
            b.stop().block(Duration.ofSeconds(60));
            assertThat(TimeUnit.NANOSECONDS.toSeconds(working)).isLessThan(60);
        } finally {
            runningA.dispose();
            if (runningB != null) {
                runningB.dispose();
            }
        }

        KafkaLedger.assertExactlyOnce(KafkaLedger.balances(bootstrap, OUT), input);
        // a revocation that missed its grace period would have failed the first instance's run
        assertThat(eventsA).isNotEmpty().allMatch(CheckpointEvent::completed);
        assertThat(eventsB).isNotEmpty().allMatch(CheckpointEvent::completed);
        assertThat(a.status().restarts()).isZero();
        assertThat(b.status().restarts()).isZero();
        assertThat(records(eventsA)).isPositive();
        assertThat(records(eventsB)).isPositive();
    }

    private static Pipeline pipeline(String bootstrap, String instance) {
        return KafkaLedger.ledger(
                KafkaLedger.pipeline(PIPELINE, instance, new SimpleMeterRegistry())
                        .revocationGracePeriod(Duration.ofSeconds(10))
                        .restartPolicy(io.onceflow.core.RestartPolicy.never()),
                KafkaLedger.sourceOptions(bootstrap, IN).maxPollRecords(200).build(),
                KafkaLedger.sinkOptions(bootstrap).build(),
                OUT,
                flux -> flux);
    }

    private static long records(List<CheckpointEvent> events) {
        return events.stream().mapToLong(CheckpointEvent::records).sum();
    }

    private static void awaitRecords(List<CheckpointEvent> events, long records, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (records(events) < records) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the second instance committed only " + records(events) + " records");
            }
            sleep(50);
        }
    }

    private static void awaitCommitted(Admin admin, long records) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (KafkaLedger.committedRecords(admin, PIPELINE) < records) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the group did not commit " + records + " records in time");
            }
            Thread.sleep(50);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
