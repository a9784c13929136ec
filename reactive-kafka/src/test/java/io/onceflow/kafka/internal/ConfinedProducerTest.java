package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.onceflow.kafka.KafkaSinkOptions;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The producer's confinement to its thread, on kafka-clients' {@link MockProducer}. */
class ConfinedProducerTest {

    private final MockProducer<byte[], byte[]> mock =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final KafkaSinkOptions options = KafkaSinkOptions.builder()
            .bootstrapServers("127.0.0.1:9")
            .groupId("ledger")
            .closeTimeout(Duration.ofSeconds(1))
            .build();
    private final ConfinedProducer confined = new ConfinedProducer(options, "ledger", "ledger-tx-1", () -> mock);

    @Test
    void everyCallRunsOnTheProducerThreadAndATransactionBeginsOnce() {
        AtomicReference<String> thread = new AtomicReference<>();
        StepVerifier.create(Mono.<Void>create(sink -> confined.execute(sink, () -> {
                    thread.set(Thread.currentThread().getName());
                    confined.open();
                    confined.inTransaction().send(new ProducerRecord<>("out", new byte[] {1}));
                    confined.inTransaction().send(new ProducerRecord<>("out", new byte[] {2}));
                    confined.inTransaction().commitTransaction();
                    confined.committed();
                    sink.success();
                })))
                .expectComplete()
                .verify(Duration.ofSeconds(10));

        assertThat(thread.get()).startsWith("onceflow-kafka-tx-ledger-tx-1");
        assertThat(mock.transactionInitialized()).isTrue();
        assertThat(mock.commitCount()).isEqualTo(1);
        assertThat(mock.history()).hasSize(2);
        StepVerifier.create(confined.close()).expectComplete().verify(Duration.ofSeconds(10));
        assertThat(mock.closed()).isTrue();
    }

    @Test
    void aFailingTaskFailsItsSink() {
        StepVerifier.create(Mono.<Void>create(sink -> confined.execute(sink, () -> {
                    throw new ProducerFencedException("fenced");
                })))
                .expectError(ProducerFencedException.class)
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void anAbortThatFailsNeverHidesTheCause() throws Exception {
        mock.abortTransactionException = new KafkaException("coordinator gone");
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Boolean> inFlightAfter = new AtomicReference<>();
        confined.execute(null, () -> {
            confined.open();
            confined.inTransaction().send(new ProducerRecord<>("out", new byte[] {1}));
            confined.abortQuietly(4, new IllegalStateException("checkpoint 4 failed"));
            // a new transaction may begin after the failed abort: the writer's next checkpoint is a new attempt
            inFlightAfter.set(mock.transactionInFlight());
            done.countDown();
        });
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(inFlightAfter.get()).isTrue(); // the mock's transaction stays open: the coordinator aborts it
        StepVerifier.create(confined.close()).expectComplete().verify(Duration.ofSeconds(10));
    }

    @Test
    void closingAbortsTheOpenTransaction() throws Exception {
        CountDownLatch sent = new CountDownLatch(1);
        confined.execute(null, () -> {
            confined.open();
            confined.inTransaction().send(new ProducerRecord<>("out", new byte[] {1}));
            sent.countDown();
        });
        assertThat(sent.await(10, TimeUnit.SECONDS)).isTrue();

        StepVerifier.create(confined.close()).expectComplete().verify(Duration.ofSeconds(10));

        assertThat(mock.transactionAborted()).isTrue();
        assertThat(mock.closed()).isTrue();
    }

    @Test
    void aTaskAfterCloseFailsItsSinkInsteadOfHanging() {
        StepVerifier.create(confined.close()).expectComplete().verify(Duration.ofSeconds(10));

        StepVerifier.create(Mono.<Void>create(sink -> confined.execute(sink, sink::success)))
                .expectErrorMessage("the Kafka transactional sink's writer is closed")
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void aProducerWithoutOpenIsAnError() {
        assertThatThrownBy(confined::inTransaction).hasMessageContaining("no producer");
    }
}
