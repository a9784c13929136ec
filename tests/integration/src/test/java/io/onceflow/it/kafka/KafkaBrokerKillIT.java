package io.onceflow.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Pipeline;
import io.onceflow.core.PipelineStatus;
import io.onceflow.core.RestartPolicy;
import io.onceflow.it.kafka.KafkaLedger.Input;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.WithKafka;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * The broker, in a child JVM, is SIGKILLed while the pipeline is mid-stream, with a transaction open (checkpoints
 * every 100 ms, records always in flight), and restarted on the same data and ports 12 seconds later, after the
 * clients' timeouts: the open checkpoint fails, and the pipeline recovers by itself through its restart policy
 * (reopening the producer fences and aborts the open transaction); the output is exact.
 */
@WithKafka(mode = BrokerMode.CHILD_PROCESS)
class KafkaBrokerKillIT {

    private static final String IN = "payments";
    private static final String OUT = "balances";
    private static final String PIPELINE = "survivor";

    static {
        KafkaTestLogging.quiet();
    }

    @Test
    void recoversByItselfFromABrokerKilledMidTransaction(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        broker.createTopic(IN, 4);
        broker.createTopic(OUT, 4);
        Input input = KafkaLedger.produce(bootstrap, IN, 0, 40_000, 500, 5);

        List<CheckpointEvent> events = new CopyOnWriteArrayList<>();
        Pipeline pipeline = KafkaLedger.ledger(
                KafkaLedger.pipeline(PIPELINE, "0", new SimpleMeterRegistry())
                        .checkpointEvery(Duration.ofMillis(100))
                        .checkpointTimeout(Duration.ofSeconds(30))
                        .restartPolicy(RestartPolicy.defaults()
                                .withMaxAttempts(100)
                                .withBackoff(Duration.ofMillis(500), Duration.ofSeconds(2))),
                KafkaLedger.sourceOptions(bootstrap, IN)
                        .maxPollRecords(100)
                        .assignTimeout(Duration.ofSeconds(30))
                        .consumerProperty("request.timeout.ms", 5_000)
                        .consumerProperty("default.api.timeout.ms", 10_000)
                        .build(),
                KafkaLedger.sinkOptions(bootstrap)
                        .requestTimeout(Duration.ofSeconds(10))
                        .claimTimeout(Duration.ofSeconds(25))
                        .clientProperty("request.timeout.ms", 5_000)
                        .producerProperty("max.block.ms", 10_000)
                        .producerProperty("delivery.timeout.ms", 15_000)
                        .build(),
                OUT,
                flux -> flux);
        Disposable running = pipeline.run().subscribe(events::add);
        try (Admin admin = KafkaLedger.admin(bootstrap)) {
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (KafkaLedger.committedRecords(admin, PIPELINE) < 8_000) {
                assertThat(System.nanoTime()).as("progress before the kill").isLessThan(deadline);
                Thread.sleep(20);
            }
        }
        long committedBefore =
                events.stream().filter(CheckpointEvent::completed).count();
        broker.kill(); // SIGKILL: a transaction is open, with records sent and no commit yet
        // down longer than the clients' timeouts: the open checkpoint fails, and the pipeline must restart itself
        Thread.sleep(12_000);
        broker.restart();

        try {
            KafkaLedger.awaitCaughtUp(bootstrap, PIPELINE, IN, Duration.ofMinutes(3));
            pipeline.stop().block(Duration.ofSeconds(60));
        } finally {
            running.dispose();
        }

        KafkaLedger.assertExactlyOnce(KafkaLedger.balances(bootstrap, OUT), input);
        assertThat(pipeline.status().state()).isEqualTo(PipelineStatus.State.STOPPED);
        assertThat(events).anyMatch(CheckpointEvent::failed);
        assertThat(pipeline.status().restarts())
                .as("restarts by the restart policy")
                .isPositive();
        assertThat(events.stream().filter(CheckpointEvent::completed).count()).isGreaterThan(committedBefore);
    }
}
