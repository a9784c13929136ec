package io.onceflow.it.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.Onceflow;
import io.onceflow.it.state.Guarded.Spend;
import io.onceflow.it.state.Guarded.Total;
import io.onceflow.kafka.Format;
import io.onceflow.kafka.Json;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSinkOptions;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.kafka.KafkaSourceOptions;
import io.onceflow.kafka.KafkaTransactionalSink;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.WithKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * A keyed state value that the Kafka commit point cannot encode, on a real broker: the state of an immutable type is
 * encoded on the sink's producer thread, inside the checkpoint's transaction, after the checkpoint's outputs were sent
 * in it. The transaction is aborted: a {@code read_committed} reader sees none of that checkpoint's outputs, the
 * group's offsets stay at the checkpoint before, and the pipeline stops with the codec's failure instead of retrying.
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
class KafkaUnencodableStateIT {

    private static final String IN = "guarded-spends";
    private static final String OUT = "guarded-totals";
    private static final String PIPELINE = "unencodable";
    private static final Format<Spend> SPENDS = Json.of(Spend.class);
    private static final Format<Total> TOTALS = Json.of(Total.class);

    @Test
    void aStateTheCommitPointCannotEncodeAbortsItsCheckpointAndStopsThePipeline(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        broker.createTopic(IN, 1);
        broker.createTopic(OUT, 1);
        KafkaSource<Spend> source = KafkaSource.create(KafkaSourceOptions.<Spend>builder()
                .bootstrapServers(bootstrap)
                .topic(IN)
                .valueFormat(SPENDS)
                .build());
        AtomicLong committed = new AtomicLong();
        CompletableFuture<Void> first = new CompletableFuture<>();
        CompletableFuture<Throwable> stopped = new CompletableFuture<>();
        Disposable running = Onceflow.pipeline(PIPELINE)
                .checkpointEvery(Duration.ofMillis(100))
                .meterRegistry(new SimpleMeterRegistry())
                .from(source)
                .keyed("guarded", Spend::account, Guarded::empty, Guarded::apply)
                .map(Guarded::total)
                .to(KafkaTransactionalSink.create(
                        source,
                        KafkaSinkOptions.builder().build(),
                        total -> KafkaRecord.of(OUT, total.account(), total)))
                .run()
                .subscribe(
                        event -> {
                            // the first two records committed, in one checkpoint or two
                            if (event.completed() && committed.addAndGet(event.records()) >= 2) {
                                first.complete(null);
                            }
                        },
                        stopped::complete,
                        () -> stopped.complete(null));
        try {
            produce(bootstrap, List.of(new Spend("a", 10), new Spend("b", 4)));
            first.orTimeout(60, TimeUnit.SECONDS).join();
            // the next checkpoint's outputs go out in its transaction; its state then cannot be encoded
            produce(bootstrap, List.of(new Spend("b", 1), new Spend("c", 7), new Spend("a", -25)));
            Throwable failure = stopped.orTimeout(60, TimeUnit.SECONDS).join();

            Guarded.assertStoppedByItsNegativeBalance(failure);
        } finally {
            running.dispose();
        }
        assertThat(StateTopics.readCommitted(bootstrap, OUT, TOTALS))
                .containsExactly(new Total("a", 10), new Total("b", 4));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(PIPELINE)
                    .partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            assertThat(offsets.get(new TopicPartition(IN, 0)).offset()).isEqualTo(2);
        }
    }

    private static void produce(String bootstrap, List<Spend> spends) throws Exception {
        StateTopics.produce(bootstrap, IN, SPENDS, spends, Spend::account);
    }
}
