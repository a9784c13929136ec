package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.Data;
import io.onceflow.core.Marker;
import io.onceflow.core.OnceflowException;
import io.onceflow.core.Origin;
import io.onceflow.core.PoisonRecordException;
import io.onceflow.core.Positions;
import io.onceflow.core.ProtocolListener;
import io.onceflow.core.ProtocolPoint;
import io.onceflow.core.SinkContext;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.TransientFailureException;
import io.onceflow.kafka.DeliveryGuarantee;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSinkOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The at-least-once writer on kafka-clients' {@link MockProducer}: records go out as they come, a checkpoint commits
 * its offsets only after every one of its writes is acknowledged, and every failure on the way (a send that failed,
 * acknowledgements that never come, refused offsets, a poison record) fails the checkpoint with nothing committed.
 */
class AtLeastOnceWriterTest {

    private static final SourcePartition PAYMENTS_0 = new SourcePartition("payments", 0);
    private static final TopicPartition PAYMENTS_0_TP = new TopicPartition("payments", 0);
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final FakeSource source = new FakeSource();
    private final List<ProtocolPoint> reached = new CopyOnWriteArrayList<>();
    private final List<AtLeastOnceWriter<String>> writers = new ArrayList<>();

    @AfterEach
    void close() {
        writers.forEach(writer -> writer.close().block(WAIT));
    }

    @Test
    void recordsGoOutAsTheyComeAndTheOffsetsAfterEveryAcknowledgement() {
        MockProducer<byte[], byte[]> producer = producer(true);
        AtLeastOnceWriter<String> writer = writer(producer, b -> b);
        for (int offset = 0; offset < 300; offset++) {
            writer.write(record(offset));
        }
        // 256 are handed to the producer before any marker: nothing waits for the checkpoint
        await().atMost(WAIT).until(() -> producer.history().size() >= 256);
        assertThat(source.commits).isEmpty();

        writer.checkpoint(marker(7, 300)).block(WAIT);

        assertThat(producer.history()).hasSize(300);
        assertThat(source.commits).hasSize(1);
        OffsetAndMetadata offset = source.commits.get(0).get(PAYMENTS_0_TP);
        assertThat(offset.offset()).isEqualTo(300);
        assertThat(OffsetMetadata.checkpointId(offset.metadata())).isEqualTo(7);
        assertThat(reached).containsExactly(ProtocolPoint.BEFORE_TRANSACTION_COMMIT);
        assertThat(writer.bufferedRecords()).isZero();
        assertThat(producer.transactionInitialized()).isFalse(); // no transactions at all
    }

    @Test
    void theCheckpointWaitsForAcknowledgementsStillPending() {
        MockProducer<byte[], byte[]> producer = producer(false);
        AtLeastOnceWriter<String> writer = writer(producer, b -> b);
        writer.write(record(0));
        writer.write(record(1));
        writer.write(record(2));
        assertThat(writer.bufferedRecords()).isEqualTo(3);

        CompletableFuture<Void> checkpoint = writer.checkpoint(marker(1, 3)).toFuture();
        await().atMost(WAIT).until(() -> producer.history().size() == 3);
        producer.completeNext();
        producer.completeNext();
        await().atMost(WAIT).until(() -> writer.bufferedRecords() == 1);
        assertThat(checkpoint).isNotDone();
        assertThat(source.commits).as("offsets committed with an ack missing").isEmpty();

        producer.completeNext();
        checkpoint.join();
        assertThat(source.commits).hasSize(1);
        assertThat(writer.bufferedRecords()).isZero();
    }

    @Test
    void aSendThatFailsMidCheckpointFailsItAndCommitsNothing() {
        MockProducer<byte[], byte[]> producer = producer(false);
        AtLeastOnceWriter<String> writer = writer(producer, b -> b);
        for (int offset = 0; offset < 5; offset++) {
            writer.write(record(offset));
        }
        CompletableFuture<Void> checkpoint = writer.checkpoint(marker(2, 5)).toFuture();
        await().atMost(WAIT).until(() -> producer.history().size() == 5);
        producer.completeNext();
        producer.completeNext();
        producer.errorNext(new KafkaException("record too large"));
        producer.completeNext();
        producer.completeNext();

        assertThatThrownBy(checkpoint::join).hasRootCauseMessage("record too large");
        assertThat(source.commits).isEmpty();
        assertThat(reached).isEmpty();
        // the writer is done: the next checkpoint fails too, and the pipeline restarts from the last commit
        writer.write(record(5));
        assertThatThrownBy(() -> writer.checkpoint(marker(3, 6)).block(WAIT)).hasMessageContaining("record too large");
        assertThat(source.commits).isEmpty();
    }

    @Test
    void acknowledgementsThatNeverComeFailRetryablyWithinTheRequestTimeout() {
        MockProducer<byte[], byte[]> producer = producer(false);
        AtLeastOnceWriter<String> writer = writer(producer, b -> b.requestTimeout(Duration.ofMillis(300)));
        writer.write(record(0));

        assertThatThrownBy(() -> writer.checkpoint(marker(4, 1)).block(WAIT))
                .isInstanceOfSatisfying(
                        OnceflowException.class,
                        e -> assertThat(e.isRetryable()).isTrue())
                .hasMessageContaining("not acknowledged within PT0.3S");
        assertThat(source.commits).isEmpty();
    }

    @Test
    void offsetsTheSourceRefusesFailTheCheckpoint() {
        source.refusal = new TransientFailureException("partitions [payments-0] are no longer assigned", null);
        AtLeastOnceWriter<String> writer = writer(producer(true), b -> b);
        writer.write(record(0));

        assertThatThrownBy(() -> writer.checkpoint(marker(5, 1)).block(WAIT)).isSameAs(source.refusal);
        assertThat(source.commits).isEmpty();
    }

    @Test
    void offsetsThatMeetARebalanceAreCommittedAgainWithoutSendingAgain() {
        source.racesLeft.set(2);
        MockProducer<byte[], byte[]> producer = producer(true);
        AtLeastOnceWriter<String> writer = writer(producer, b -> b);
        writer.write(record(0));

        writer.checkpoint(marker(6, 1)).block(WAIT);

        assertThat(source.attempts).hasValue(3);
        assertThat(source.commits).hasSize(1);
        assertThat(producer.history()).hasSize(1);
    }

    @Test
    void aRecordThatCannotBeEncodedFailsTheCheckpointWithoutADeadLetterTopic() {
        AtLeastOnceWriter<String> writer = writer(producer(true), b -> b, value -> {
            throw new IllegalArgumentException("cannot map " + value);
        });
        writer.write(record(0));

        assertThatThrownBy(() -> writer.checkpoint(marker(8, 1)).block(WAIT)).isInstanceOf(PoisonRecordException.class);
        assertThat(source.commits).isEmpty();
        assertThat(writer.bufferedRecords()).isZero();
    }

    @Test
    void aRecordThatCannotBeEncodedIsADeadLetterOfItsCheckpoint() {
        MockProducer<byte[], byte[]> producer = producer(true);
        AtLeastOnceWriter<String> writer = writer(producer, b -> b.deadLetterTopic("dlq"), value -> {
            if (value.endsWith("1")) {
                throw new IllegalArgumentException("cannot map " + value);
            }
            return KafkaRecord.of("out", value, value);
        });
        writer.write(record(0));
        writer.write(record(1));

        writer.checkpoint(marker(9, 2)).block(WAIT);

        assertThat(producer.history()).extracting(r -> r.topic()).containsExactly("out", "dlq");
        assertThat(source.commits).hasSize(1);
    }

    // ---- helpers ----

    /** A mock producer; one that does not complete sends itself has a flush that completes nothing either. */
    private static MockProducer<byte[], byte[]> producer(boolean autoComplete) {
        if (autoComplete) {
            return new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        }
        return new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer()) {
            @Override
            public synchronized void flush() {
                // the test answers each send itself
            }
        };
    }

    private AtLeastOnceWriter<String> writer(
            Producer<byte[], byte[]> producer, UnaryOperator<KafkaSinkOptions.Builder> settings) {
        return writer(producer, settings, value -> KafkaRecord.of("out", value, value));
    }

    private AtLeastOnceWriter<String> writer(
            Producer<byte[], byte[]> producer,
            UnaryOperator<KafkaSinkOptions.Builder> settings,
            java.util.function.Function<String, KafkaRecord> toRecord) {
        KafkaSinkOptions options = settings.apply(KafkaSinkOptions.builder()
                        .bootstrapServers("127.0.0.1:9")
                        .groupId("ledger")
                        .deliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE))
                .build();
        // never asked anything: the markers here change no state, so the changelog topic is not looked at
        Admin admin = Admin.create(Map.of("bootstrap.servers", "127.0.0.1:9"));
        AtLeastOnceWriter<String> writer = new AtLeastOnceWriter<>(
                options, new Context(), toRecord, "ledger", "ledger-0", "ledger-changelog", () -> producer, admin);
        writer.bindSource(source);
        writer.openProducer();
        writers.add(writer);
        return writer;
    }

    private static Data<String> record(long offset) {
        return new Data<>("payment-" + offset, new Origin("payments", 0, offset, 1_000 + offset));
    }

    private static Marker<String> marker(long checkpointId, long nextOffset) {
        return Marker.of(checkpointId, Positions.of(Map.of(PAYMENTS_0, nextOffset)));
    }

    /** A source that commits on the caller's thread, or refuses, or meets a rebalance a few times first. */
    private static final class FakeSource implements KafkaSourceBinding {
        final List<Map<TopicPartition, OffsetAndMetadata>> commits = new CopyOnWriteArrayList<>();
        final AtomicInteger attempts = new AtomicInteger();
        final AtomicInteger racesLeft = new AtomicInteger();
        volatile OnceflowException refusal;

        @Override
        public String groupId() {
            return "ledger";
        }

        @Override
        public CompletableFuture<Void> sendOffsets(
                Producer<?, ?> producer,
                Map<TopicPartition, OffsetAndMetadata> offsets,
                long checkpointId,
                Map<TopicPartition, Long> ownership) {
            throw new AssertionError("the at-least-once writer sends no offsets into a transaction");
        }

        @Override
        public CompletableFuture<Void> commitOffsets(
                Map<TopicPartition, OffsetAndMetadata> offsets,
                long checkpointId,
                Map<TopicPartition, Long> ownership,
                Duration timeout) {
            attempts.incrementAndGet();
            if (refusal != null) {
                return CompletableFuture.failedFuture(refusal);
            }
            if (racesLeft.getAndDecrement() > 0) {
                return CompletableFuture.failedFuture(new RebalanceInProgressException("a rebalance is in progress"));
            }
            commits.add(Map.copyOf(offsets));
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public Map<TopicPartition, Long> ownership(Collection<TopicPartition> partitions) {
            Map<TopicPartition, Long> ownership = new HashMap<>();
            partitions.forEach(p -> ownership.put(p, 1L));
            return ownership;
        }
    }

    private final class Context implements SinkContext {
        @Override
        public String pipeline() {
            return "ledger";
        }

        @Override
        public String instanceId() {
            return "0";
        }

        @Override
        public MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Override
        public Tags tags() {
            return Tags.empty();
        }

        @Override
        public Scheduler scheduler() {
            return Schedulers.immediate();
        }

        @Override
        public ProtocolListener protocolListener() {
            return (point, checkpointId) -> reached.add(point);
        }
    }
}
