package io.onceflow.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Data;
import io.onceflow.core.Marker;
import io.onceflow.core.Positions;
import io.onceflow.core.SourceContext;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.internal.batch.BatchingSource;
import io.onceflow.core.internal.batch.RecordBatch;
import io.onceflow.kafka.Format;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.kafka.KafkaSourceOptions;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.WithKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.reactivestreams.Subscription;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * The Kafka source's own contract across a revocation and a re-assignment of one partition within one run: after the
 * partition comes back, the source emits it from the position the assignment gave, and nothing it read under the
 * assignment that ended. Driven on the real broker, with the pipeline's side of the source played by the test (the
 * final checkpoint of the revoked partition "commits" what the test had received), and the demand held by the test:
 * records the source has already read wait in its queues while the partition moves to another member and back.
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
class KafkaSourceReassignmentIT {

    private static final String TOPIC = "reassigned";
    private static final String GROUP = "reassigned-group";
    private static final int PER_PARTITION = 10;

    static {
        KafkaTestLogging.quiet();
    }

    /**
     * @param batched whether the source is read as a pipeline reads it, a batch per partition and poll; otherwise one
     *     element per record, as {@link io.onceflow.core.Source#open} promises anyone else
     */
    @ParameterizedTest(name = "batched={0}")
    @ValueSource(booleans = {false, true})
    void recordsReadBeforeAPartitionWasRevokedAreNotEmittedAfterItIsAssignedAgain(boolean batched, KafkaBroker broker)
            throws Exception {
        String topic = TOPIC + (batched ? "-batched" : "");
        String bootstrap = broker.bootstrapServers();
        broker.createTopic(topic, 2);
        produce(bootstrap, topic, 0, PER_PARTITION);
        ScriptedPipeline pipeline = new ScriptedPipeline();
        KafkaSource<String> source = KafkaSource.create(KafkaSourceOptions.builder()
                .bootstrapServers(bootstrap)
                .groupId(GROUP + (batched ? "-batched" : ""))
                .topic(topic)
                .valueFormat(Format.utf8())
                .build());
        Flux<Object> records = (batched
                        ? ((BatchingSource<String>) source).openBatched(pipeline)
                        : source.open(pipeline).<Object>map(element -> element))
                .doOnNext(pipeline::received);
        AtomicReference<Subscription> subscription = new AtomicReference<>();

        StepVerifier.create(records, 1)
                .consumeSubscriptionWith(subscription::set)
                .expectNextCount(1)
                // the other partition's records read, and waiting in the source's queues for want of demand (one
                // list of them: a batch to come, or the records to come after those of the list being emitted)
                .then(() -> Awaitility.await()
                        .atMost(Duration.ofMinutes(1))
                        .until(() -> heldInTheSource(subscription.get()) == 1))
                // a second member takes a partition (the source revokes it, its final checkpoint commits what the
                // test received), then leaves: the partition comes back to this run
                .then(() ->
                        moveOnePartitionAwayAndBack(bootstrap, topic, GROUP + (batched ? "-batched" : ""), pipeline))
                .then(() -> produce(bootstrap, topic, PER_PARTITION, PER_PARTITION + 1))
                .thenRequest(Long.MAX_VALUE)
                .thenConsumeWhile(element -> !pipeline.receivedUpTo(PER_PARTITION))
                .expectNextCount(1) // the last one
                .then(pipeline::end)
                .thenCancel()
                .verify(Duration.ofMinutes(2));

        assertThat(pipeline.revoked).hasSize(1);
        for (int partition = 0; partition < 2; partition++) {
            assertThat(pipeline.offsets(partition))
                    .as("offsets of partition %d, each once and in order", partition)
                    .containsExactlyElementsOf(
                            LongStream.rangeClosed(0, PER_PARTITION).boxed().toList());
        }
    }

    private static void moveOnePartitionAwayAndBack(
            String bootstrap, String topic, String group, ScriptedPipeline pipeline) {
        try (KafkaConsumer<byte[], byte[]> other = new KafkaConsumer<>(
                Map.of(
                        "bootstrap.servers",
                        bootstrap,
                        "group.id",
                        group,
                        "enable.auto.commit",
                        "false",
                        "partition.assignment.strategy",
                        "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            other.subscribe(List.of(topic));
            Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> {
                other.poll(Duration.ofMillis(100));
                return !other.assignment().isEmpty();
            });
        }
        // left the group: the partition is assigned to the source again
        Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> pipeline.assignments.size() == 2);
    }

    /**
     * What waits in the queues of the source's operators, as Reactor reports them: lists of a partition's records of a
     * poll (in the batched form, each is a batch to come; in the per-record form, the records after those of the list
     * being emitted, which are not counted).
     */
    private static int heldInTheSource(Subscription subscription) {
        return Scannable.from(subscription)
                .parents()
                .mapToInt(operator -> operator.inners()
                                .mapToInt(inner -> inner.scanOrDefault(Scannable.Attr.BUFFERED, 0))
                                .sum()
                        // the per-record form's lists wait in its iterable's queue (the merge reports its inners' count
                        // as its own, and the array of the merge's sources their number)
                        + (operator.name().equals("flattenIterable")
                                ? operator.scanOrDefault(Scannable.Attr.BUFFERED, 0)
                                : 0))
                .sum();
    }

    private static void produce(String bootstrap, String topic, int from, int to) {
        try (KafkaProducer<String, byte[]> producer = KafkaLedger.producer(bootstrap)) {
            for (int partition = 0; partition < 2; partition++) {
                for (int i = from; i < to; i++) {
                    producer.send(new ProducerRecord<>(
                            topic, partition, null, (partition + "-" + i).getBytes(StandardCharsets.UTF_8)));
                }
            }
            producer.flush();
        }
    }

    /**
     * The pipeline's side of the source: an assignment resumes each partition after the last record the test
     * received of it (what a final checkpoint would have committed), and a revocation's checkpoint completes at once.
     */
    private static final class ScriptedPipeline implements SourceContext {
        final List<List<SourcePartition>> assignments = new CopyOnWriteArrayList<>();
        final List<List<SourcePartition>> revoked = new CopyOnWriteArrayList<>();
        private final Map<Integer, List<Long>> received = new ConcurrentHashMap<>();
        private final Sinks.Empty<Void> ended = Sinks.empty();
        private final MeterRegistry meters = new SimpleMeterRegistry();

        void received(Object element) {
            if (element instanceof RecordBatch<?> batch) {
                for (int i = 0; i < batch.size(); i++) {
                    received(batch.element(i));
                }
                return;
            }
            Data<?> record = (Data<?>) element;
            received.computeIfAbsent(record.origin().partition(), p -> new CopyOnWriteArrayList<>())
                    .add(record.origin().offset());
        }

        boolean receivedUpTo(long offset) {
            return offsets(0).contains(offset) && offsets(1).contains(offset);
        }

        List<Long> offsets(int partition) {
            return new ArrayList<>(received.getOrDefault(partition, List.of()));
        }

        void end() {
            ended.tryEmitEmpty();
        }

        @Override
        public Mono<Positions> assign(Collection<SourcePartition> partitions) {
            assignments.add(List.copyOf(partitions));
            Map<SourcePartition, Long> next = new HashMap<>();
            for (SourcePartition partition : partitions) {
                List<Long> offsets = offsets(partition.partition());
                next.put(partition, offsets.isEmpty() ? 0L : offsets.get(offsets.size() - 1) + 1);
            }
            return Mono.just(Positions.of(next));
        }

        @Override
        public Mono<Void> revoke(Collection<SourcePartition> partitions) {
            revoked.add(List.copyOf(partitions));
            return Mono.empty();
        }

        @Override
        public void partitionCount(String source, int partitions) {}

        @Override
        public void recordBytes(long bytes) {}

        @Override
        public Flux<Marker<?>> completedCheckpoints() {
            return ended.asMono().thenMany(Flux.empty());
        }

        @Override
        public Mono<CheckpointEvent> requestCheckpoint(String reason) {
            return Mono.empty();
        }

        @Override
        public String pipeline() {
            return "reassigned";
        }

        @Override
        public String instanceId() {
            return "only";
        }

        @Override
        public MeterRegistry meterRegistry() {
            return meters;
        }

        @Override
        public Tags tags() {
            return Tags.empty();
        }

        @Override
        public Scheduler scheduler() {
            return Schedulers.parallel();
        }
    }
}
