package io.onceflow.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.Onceflow;
import io.onceflow.core.OnceflowMeters;
import io.onceflow.core.Pipeline;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.kafka.Format;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.kafka.KafkaSourceOptions;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.WithKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * Records the broker deleted before the pipeline read them (its lag outgrew the topic's retention) cannot have their
 * one effect: the source says so, with the offsets, in a WARN and a counter, and reads on from the log's start. Made
 * to happen by deleting records below the committed position, as retention does, with {@code deleteRecords}.
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
class KafkaRecordsExpiredIT {

    static {
        KafkaTestLogging.quiet();
    }

    @Test
    void recordsDeletedBeforeTheyWereReadAreReported(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        broker.createTopic("expiring", 1);
        produce(bootstrap, 0, 100);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        InMemoryCommitPoint<String> ledger = InMemoryCommitPoint.create("ledger");

        runUntil(pipeline(bootstrap, meters, ledger), () -> committedNext(ledger) == 100);

        produce(bootstrap, 100, 200);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.deleteRecords(Map.of(new TopicPartition("expiring", 0), RecordsToDelete.beforeOffset(150)))
                    .all()
                    .get();
        }
        runUntil(pipeline(bootstrap, meters, ledger), () -> committedNext(ledger) == 200);

        List<String> expected = IntStream.concat(IntStream.range(0, 100), IntStream.range(150, 200))
                .mapToObj(String::valueOf)
                .toList();
        assertThat(ledger.committed()).containsExactlyElementsOf(expected);
        Counter expired = meters.find(OnceflowMeters.SOURCE_RECORDS_EXPIRED)
                .tag(OnceflowMeters.TAG_PARTITION, "expiring-0")
                .counter();
        assertThat(expired).isNotNull();
        assertThat(expired.count()).isEqualTo(50);
    }

    private static long committedNext(InMemoryCommitPoint<String> ledger) {
        return ledger.committedPositions()
                .nextOffset(new SourcePartition("expiring", 0))
                .orElse(0L);
    }

    private static Pipeline pipeline(String bootstrap, SimpleMeterRegistry meters, InMemoryCommitPoint<String> ledger) {
        return Onceflow.pipeline("expiring")
                .checkpointEvery(Duration.ofMillis(100))
                .meterRegistry(meters)
                .from(KafkaSource.create(KafkaSourceOptions.builder()
                        .bootstrapServers(bootstrap)
                        .topic("expiring")
                        .valueFormat(Format.utf8())
                        .build()))
                .to(ledger);
    }

    private static void runUntil(Pipeline pipeline, java.util.concurrent.Callable<Boolean> done) {
        Disposable running = pipeline.run().subscribe();
        try {
            Awaitility.await().atMost(Duration.ofMinutes(1)).until(done);
        } finally {
            pipeline.stop().block(Duration.ofSeconds(30));
            running.dispose();
        }
    }

    private static void produce(String bootstrap, int from, int to) throws Exception {
        try (KafkaProducer<String, byte[]> producer = KafkaLedger.producer(bootstrap)) {
            for (int i = from; i < to; i++) {
                producer.send(new ProducerRecord<>(
                        "expiring", 0, null, String.valueOf(i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }
}
