package io.onceflow.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.OnceflowMeters;
import io.onceflow.core.Pipeline;
import io.onceflow.it.kafka.KafkaLedger.Input;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.WithKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * 100,000 payments through a keyed running balance, Kafka to Kafka: the output, read with read_committed, holds
 * exactly one balance per payment and the final balances equal the input sums; the offsets carry the checkpoint
 * ids, the state went to a compacted changelog, and the lag gauges exist per partition.
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
class KafkaReadProcessWriteIT {

    private static final String IN = "payments";
    private static final String OUT = "balances";
    private static final String PIPELINE = "ledger";

    static {
        KafkaTestLogging.quiet();
    }

    @Test
    void everyPaymentHasExactlyOneEffect(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        broker.createTopic(IN, 4);
        broker.createTopic(OUT, 4);
        Input input = KafkaLedger.produce(bootstrap, IN, 0, 100_000, 1_000, 42);

        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Pipeline pipeline = KafkaLedger.ledger(
                KafkaLedger.pipeline(PIPELINE, "0", meters),
                KafkaLedger.sourceOptions(bootstrap, IN).build(),
                KafkaLedger.sinkOptions(bootstrap).build(),
                OUT,
                flux -> flux);
        List<CheckpointEvent> events = new CopyOnWriteArrayList<>();
        Disposable running = pipeline.run().subscribe(events::add);
        try {
            KafkaLedger.awaitCaughtUp(bootstrap, PIPELINE, IN, Duration.ofMinutes(2));
            pipeline.stop().block(Duration.ofSeconds(60));
        } finally {
            running.dispose();
        }

        KafkaLedger.assertExactlyOnce(KafkaLedger.balances(bootstrap, OUT), input);
        assertThat(events).isNotEmpty().allMatch(CheckpointEvent::completed);
        assertThat(pipeline.status().restarts()).isZero();

        try (Admin admin = KafkaLedger.admin(bootstrap)) {
            Map<?, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(PIPELINE)
                    .partitionsToOffsetAndMetadata()
                    .get();
            long last = events.get(events.size() - 1).checkpointId();
            assertThat(offsets).hasSize(4);
            assertThat(offsets.values())
                    .allSatisfy(offset -> assertThat(offset.metadata()).startsWith("onceflow;pipeline=ledger;"))
                    .anySatisfy(offset -> assertThat(offset.metadata()).contains(";checkpoint=" + last))
                    // the last checkpoint that wrote each partition's state, for the next owner's restore to check
                    .allSatisfy(offset -> assertThat(offset.metadata()).containsPattern(";state=\\d+$"));
            ConfigResource changelog = new ConfigResource(ConfigResource.Type.TOPIC, PIPELINE + "-changelog");
            Config config =
                    admin.describeConfigs(List.of(changelog)).all().get().get(changelog);
            assertThat(config.get("cleanup.policy"))
                    .extracting(ConfigEntry::value)
                    .isEqualTo("compact");
            // segments small enough to close, so that the cleaner compacts them while the job runs
            assertThat(config.get("segment.bytes"))
                    .extracting(ConfigEntry::value)
                    .isEqualTo(String.valueOf(8 * 1024 * 1024));
            assertThat(admin.describeTopics(List.of(PIPELINE + "-changelog"))
                            .allTopicNames()
                            .get()
                            .get(PIPELINE + "-changelog")
                            .partitions())
                    .hasSize(4);
        }
        // the changelog holds the state as state log records (a checkpoint's changes of a partition, hundreds to a
        // record, written one record per account only when a partition's log is folded), and one checkpoint record
        // per source partition; restoring from it is what the restart tests prove
        List<String> changelogKeys = KafkaLedger.readAll(bootstrap, PIPELINE + "-changelog").stream()
                .map(record -> new String(record.key(), java.nio.charset.StandardCharsets.ISO_8859_1))
                .toList();
        assertThat(changelogKeys.stream()
                        .filter(key -> key.contains("onceflow/checkpoint"))
                        .distinct()
                        .count())
                .isEqualTo(4);
        assertThat(changelogKeys.stream().filter(key -> key.contains("onceflow/state-log")))
                .isNotEmpty();
        assertThat(changelogKeys).hasSizeLessThan(100_000);

        List<Gauge> lag =
                meters.find(OnceflowMeters.SOURCE_LAG).gauges().stream().toList();
        assertThat(lag).hasSize(4);
        assertThat(lag)
                .allSatisfy(gauge -> assertThat(gauge.getId().getTag(OnceflowMeters.TAG_PARTITION))
                        .startsWith(IN + "-"));
    }
}
