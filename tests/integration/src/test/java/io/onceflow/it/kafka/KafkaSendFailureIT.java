package io.onceflow.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * A send that fails synchronously in the middle of a checkpoint, on a real broker: the transaction must abort, not
 * commit its offsets past a record it never sent. Before the writer checked its sends before committing, the
 * transaction committed and the record was lost (the failure surfaced only after the commit).
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
class KafkaSendFailureIT {

    private static final String IN = "payments";
    private static final String OUT = "balances";
    private static final String PIPELINE = "send-failure";

    static {
        KafkaTestLogging.quiet();
    }

    @Test
    void aSendThatFailsMidCheckpointAbortsItsTransaction(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        broker.createTopic(IN, 4);
        broker.createTopic(OUT, 4);
        Input input = KafkaLedger.produce(bootstrap, IN, 0, 20_000, 200, 17);
        FailingPartitioner.CALLS.set(0);
        FailingPartitioner.FAIL_AT.set(7_001); // mid-stream, in a batch the writer hands the producer early

        List<CheckpointEvent> events = new CopyOnWriteArrayList<>();
        Pipeline pipeline = KafkaLedger.ledger(
                KafkaLedger.pipeline(PIPELINE, "0", new SimpleMeterRegistry())
                        .checkpointEvery(Duration.ofSeconds(1))
                        .restartPolicy(RestartPolicy.defaults()
                                .withMaxAttempts(10)
                                .withBackoff(Duration.ofMillis(100), Duration.ofMillis(500))),
                KafkaLedger.sourceOptions(bootstrap, IN).build(),
                KafkaLedger.sinkOptions(bootstrap)
                        .producerProperty("partitioner.class", FailingPartitioner.class.getName())
                        .build(),
                OUT,
                flux -> flux);
        Disposable running = pipeline.run().subscribe(events::add);
        try {
            KafkaLedger.awaitCaughtUp(bootstrap, PIPELINE, IN, Duration.ofMinutes(2));
            pipeline.stop().block(Duration.ofSeconds(60));
        } finally {
            running.dispose();
        }

        assertThat(FailingPartitioner.CALLS.get())
                .as("sends through the partitioner")
                .isGreaterThan(7_001);
        assertThat(events)
                .filteredOn(event -> !event.completed())
                .singleElement()
                .satisfies(failed -> assertThat(failed.error().orElseThrow())
                        .hasStackTraceContaining("injected: the partitioner failed on send 7001"));
        KafkaLedger.assertExactlyOnce(KafkaLedger.balances(bootstrap, OUT), input);
    }
}
