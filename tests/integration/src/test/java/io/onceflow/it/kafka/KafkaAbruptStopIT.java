package io.onceflow.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Pipeline;
import io.onceflow.it.kafka.KafkaLedger.Input;
import io.onceflow.it.kafka.KafkaLedger.Payment;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.WithKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * While payments keep arriving, the pipeline is stopped abruptly three times mid-stream (its run disposed: no final
 * checkpoint, a transaction left open) and a new pipeline with the same name and instance id takes over each time.
 * The output is still exactly once, and checkpoint ids continue across the runs.
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
class KafkaAbruptStopIT {

    private static final String IN = "payments";
    private static final String OUT = "balances";
    private static final String PIPELINE = "abrupt";

    static {
        KafkaTestLogging.quiet();
    }

    @Test
    void exactAfterThreeAbruptStops(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        broker.createTopic(IN, 4);
        broker.createTopic(OUT, 4);
        Input input = KafkaLedger.produce(bootstrap, IN, 0, 10_000, 300, 7);
        Map<Long, Payment> live = new ConcurrentHashMap<>();
        AtomicBoolean producing = new AtomicBoolean(true);
        Thread producer = new Thread(() -> produceUntilStopped(bootstrap, live, producing), "payments-producer");
        producer.start();

        List<Long> firstIds = new ArrayList<>();
        List<Long> lastIds = new ArrayList<>();
        try (Admin admin = KafkaLedger.admin(bootstrap)) {
            for (int stop = 1; stop <= 3; stop++) {
                List<CheckpointEvent> events = new CopyOnWriteArrayList<>();
                Pipeline pipeline = pipeline(bootstrap);
                long before = KafkaLedger.committedRecords(admin, PIPELINE);
                Disposable running = pipeline.run().subscribe(events::add);
                // a few checkpoints of this run, with payments still arriving, then pull the plug mid-stream
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
                while (events.size() < 3 || KafkaLedger.committedRecords(admin, PIPELINE) < before + 3_000) {
                    assertThat(System.nanoTime()).as("progress of run %d", stop).isLessThan(deadline);
                    Thread.sleep(10);
                }
                running.dispose();
                firstIds.add(events.get(0).checkpointId());
                lastIds.add(events.get(events.size() - 1).checkpointId());
            }
        } finally {
            producing.set(false);
            producer.join(TimeUnit.SECONDS.toMillis(30));
        }
        live.forEach((id, payment) -> input.payments.put(id, payment));

        Pipeline last = pipeline(bootstrap);
        List<CheckpointEvent> events = new CopyOnWriteArrayList<>();
        Disposable running = last.run().subscribe(events::add);
        try {
            KafkaLedger.awaitCaughtUp(bootstrap, PIPELINE, IN, Duration.ofMinutes(2));
            last.stop().block(Duration.ofSeconds(60));
        } finally {
            running.dispose();
        }

        assertThat(live).hasSizeGreaterThan(1_000);
        KafkaLedger.assertExactlyOnce(KafkaLedger.balances(bootstrap, OUT), input);
        // each run continues the checkpoint ids of the one before (which may have completed one more than it saw)
        for (int run = 1; run < 3; run++) {
            assertThat(firstIds.get(run)).isGreaterThan(lastIds.get(run - 1));
        }
        assertThat(events.get(0).checkpointId()).isGreaterThan(lastIds.get(2));
    }

    private static Pipeline pipeline(String bootstrap) {
        return KafkaLedger.ledger(
                KafkaLedger.pipeline(PIPELINE, "0", new SimpleMeterRegistry()).checkpointEvery(Duration.ofMillis(100)),
                KafkaLedger.sourceOptions(bootstrap, IN).maxPollRecords(200).build(),
                KafkaLedger.sinkOptions(bootstrap).build(),
                OUT,
                flux -> flux);
    }

    /** About 10,000 payments a second, ids from 1,000,000, until told to stop. */
    private static void produceUntilStopped(String bootstrap, Map<Long, Payment> produced, AtomicBoolean producing) {
        Random random = new Random(99);
        long id = 1_000_000;
        try (KafkaProducer<String, byte[]> producer = KafkaLedger.producer(bootstrap)) {
            while (producing.get()) {
                for (int i = 0; i < 100; i++, id++) {
                    Payment payment = new Payment(id, "acct-" + random.nextInt(300), 1 + random.nextInt(10_000));
                    producer.send(new ProducerRecord<>(IN, payment.account(), KafkaLedger.PAYMENTS.encode(payment)));
                    produced.put(id, payment);
                }
                Thread.sleep(10);
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
