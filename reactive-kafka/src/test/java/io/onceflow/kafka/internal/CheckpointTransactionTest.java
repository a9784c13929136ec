package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.Marker;
import io.onceflow.core.OnceflowException;
import io.onceflow.core.Origin;
import io.onceflow.core.Positions;
import io.onceflow.core.ProtocolListener;
import io.onceflow.core.ProtocolPoint;
import io.onceflow.core.SinkContext;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.TransientFailureException;
import io.onceflow.kafka.KafkaSinkOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The end of a checkpoint's transaction on kafka-clients' {@link MockProducer}: what is committed together, and every
 * failure on the way leaving the transaction uncommitted (the caller aborts it).
 */
class CheckpointTransactionTest {

    private static final SourcePartition PAYMENTS_0 = new SourcePartition("payments", 0);
    private static final TopicPartition PAYMENTS_0_TP = new TopicPartition("payments", 0);

    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final FakeSource source = new FakeSource();
    private final List<ProtocolPoint> reached = new ArrayList<>();
    private Admin admin;

    @BeforeEach
    void open() {
        // never asked anything: the markers here change no state, so the changelog topic is not looked at
        admin = Admin.create(Map.of("bootstrap.servers", "127.0.0.1:9"));
        producer.initTransactions();
        producer.beginTransaction();
    }

    @AfterEach
    void close() {
        admin.close(Duration.ZERO);
    }

    @Test
    void recordsDeadLettersAndOffsetsCommitTogether() throws Exception {
        WriterSegment<String> segment = new WriterSegment<>();
        producer.send(new ProducerRecord<>("out", new byte[] {1}), segment);
        DeadLetter<?> deadLetter =
                new DeadLetter<>(new Origin("payments", 0, 4, 0), "map", "bad", new IllegalStateException("no"));

        transaction(options(b -> b.deadLetterTopic("dlq")))
                .commit(producer, segment, marker(7, 5), List.of(deadLetter));

        assertThat(producer.transactionCommitted()).isTrue();
        assertThat(producer.history()).extracting(ProducerRecord::topic).containsExactly("out", "dlq");
        Map<TopicPartition, OffsetAndMetadata> offsets =
                producer.consumerGroupOffsetsHistory().get(0).get("ledger");
        assertThat(offsets.get(PAYMENTS_0_TP).offset()).isEqualTo(5);
        assertThat(OffsetMetadata.checkpointId(offsets.get(PAYMENTS_0_TP).metadata()))
                .isEqualTo(7);
        assertThat(reached).containsExactly(ProtocolPoint.BEFORE_TRANSACTION_COMMIT);
        assertThat(segment.ownership).containsEntry(PAYMENTS_0_TP, 1L);
    }

    @Test
    void aSendThatFailedAfterwardsStopsTheCommit() {
        MockProducer<byte[], byte[]> manual =
                new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        manual.initTransactions();
        manual.beginTransaction();
        WriterSegment<String> segment = new WriterSegment<>();
        manual.send(new ProducerRecord<>("out", new byte[] {1}), segment);
        manual.errorNext(new KafkaException("record too large"));

        assertThatThrownBy(() -> transaction(options(b -> b)).commit(manual, segment, marker(3, 9), List.of()))
                .hasMessageContaining("record too large");
        assertThat(manual.transactionCommitted()).isFalse();
        assertThat(manual.transactionInFlight()).isTrue(); // left for the writer to abort
        assertThat(reached).isEmpty();
    }

    @Test
    void offsetsTheSourceRefusesStopTheCommit() {
        source.refusal = new TransientFailureException("partition payments-0 was revoked", null);
        WriterSegment<String> segment = new WriterSegment<>();

        assertThatThrownBy(() -> transaction(options(b -> b)).commit(producer, segment, marker(3, 9), List.of()))
                .isSameAs(source.refusal);
        assertThat(producer.transactionCommitted()).isFalse();
    }

    @Test
    void offsetsThatNeverArriveFailRetryablyWithinTheRequestTimeout() {
        source.never = true;
        WriterSegment<String> segment = new WriterSegment<>();

        assertThatThrownBy(() -> transaction(options(b -> b.requestTimeout(Duration.ofMillis(200))))
                        .commit(producer, segment, marker(3, 9), List.of()))
                .isInstanceOfSatisfying(
                        OnceflowException.class,
                        e -> assertThat(e.isRetryable()).isTrue())
                .hasMessageContaining("took longer than PT0.2S");
        assertThat(producer.transactionCommitted()).isFalse();
    }

    @Test
    void aFencedProducerFailsAtTheCommit() {
        producer.commitTransactionException = new ProducerFencedException("a newer producer has this id");
        WriterSegment<String> segment = new WriterSegment<>();

        assertThatThrownBy(() -> transaction(options(b -> b)).commit(producer, segment, marker(3, 9), List.of()))
                .isInstanceOf(ProducerFencedException.class);
        assertThat(producer.transactionCommitted()).isFalse();
        assertThat(reached).containsExactly(ProtocolPoint.BEFORE_TRANSACTION_COMMIT);
    }

    @Test
    void theOffsetsCarryTheLastCheckpointThatWroteTheState() throws Exception {
        StateCheckpoints stateCheckpoints = new StateCheckpoints();
        stateCheckpoints.claimed(PAYMENTS_0, 4);
        WriterSegment<String> segment = new WriterSegment<>();

        transaction(options(b -> b), stateCheckpoints).commit(producer, segment, marker(9, 12), List.of());

        String metadata = producer.consumerGroupOffsetsHistory()
                .get(0)
                .get("ledger")
                .get(PAYMENTS_0_TP)
                .metadata();
        assertThat(OffsetMetadata.checkpointId(metadata)).isEqualTo(9);
        assertThat(OffsetMetadata.stateCheckpoint(metadata)).isEqualTo(4); // no state changed in 9
    }

    private static Marker<String> marker(long checkpointId, long nextOffset) {
        return Marker.of(checkpointId, Positions.of(Map.of(PAYMENTS_0, nextOffset)));
    }

    private static KafkaSinkOptions options(UnaryOperator<KafkaSinkOptions.Builder> settings) {
        return settings.apply(KafkaSinkOptions.builder()
                        .bootstrapServers("127.0.0.1:9")
                        .groupId("ledger")
                        .changelogTopic("ledger-changelog"))
                .build();
    }

    private CheckpointTransaction transaction(KafkaSinkOptions options) {
        return transaction(options, new StateCheckpoints());
    }

    private CheckpointTransaction transaction(KafkaSinkOptions options, StateCheckpoints stateCheckpoints) {
        Changelog changelog = new Changelog("ledger-changelog", false, (short) 1, Duration.ofSeconds(1), "ledger");
        PairedSource paired = new PairedSource("kafka", "ledger");
        paired.bind(source);
        return new CheckpointTransaction(
                options, new Context(), paired, changelog, admin, stateCheckpoints, new StateLog());
    }

    /** A source that sends offsets on the caller's thread, or refuses, or never answers. */
    private static final class FakeSource implements KafkaSourceBinding {
        volatile OnceflowException refusal;
        volatile boolean never;

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
            if (never) {
                return new CompletableFuture<>();
            }
            if (refusal != null) {
                return CompletableFuture.failedFuture(refusal);
            }
            producer.sendOffsetsToTransaction(offsets, new ConsumerGroupMetadata("ledger"));
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> commitOffsets(
                Map<TopicPartition, OffsetAndMetadata> offsets,
                long checkpointId,
                Map<TopicPartition, Long> ownership,
                Duration timeout) {
            throw new AssertionError("the transactional sink commits no offsets with the consumer");
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
            return "instance-1";
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
