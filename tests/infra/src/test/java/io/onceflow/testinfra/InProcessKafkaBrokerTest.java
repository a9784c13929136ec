package io.onceflow.testinfra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

@WithKafka(mode = BrokerMode.IN_PROCESS)
class InProcessKafkaBrokerTest {
    private static final Set<String> BROKERS_SEEN = ConcurrentHashMap.newKeySet();

    @AfterAll
    static void oneBrokerServedTheWholeClass() {
        assertThat(BROKERS_SEEN).hasSize(1);
    }

    @Test
    void readCommittedSeesCommittedTransactionsOnly(KafkaBroker broker) {
        BROKERS_SEEN.add(broker.bootstrapServers());
        assertThat(broker.mode()).isEqualTo(BrokerMode.IN_PROCESS);
        broker.createTopic("tx-out", 2);

        try (KafkaProducer<String, String> producer =
                KafkaClients.producer(broker, Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-1"))) {
            producer.initTransactions();
            producer.beginTransaction();
            KafkaClients.send(producer, "tx-out", "c1", "c2");
            producer.commitTransaction();
            producer.beginTransaction();
            KafkaClients.send(producer, "tx-out", "a1", "a2");
            producer.abortTransaction();
            producer.beginTransaction();
            KafkaClients.send(producer, "tx-out", "c3");
            producer.commitTransaction();
        }

        try (KafkaConsumer<String, String> committed = KafkaClients.consumer(broker, "committed", "read_committed");
                KafkaConsumer<String, String> everything =
                        KafkaClients.consumer(broker, "everything", "read_uncommitted")) {
            committed.subscribe(List.of("tx-out"));
            everything.subscribe(List.of("tx-out"));
            assertThat(KafkaClients.values(KafkaClients.pollAtLeast(committed, 3, Duration.ofSeconds(30))))
                    .containsExactlyInAnyOrder("c1", "c2", "c3");
            // The aborted records were written: only the isolation level hides them.
            assertThat(KafkaClients.values(KafkaClients.pollAtLeast(everything, 5, Duration.ofSeconds(30))))
                    .containsExactlyInAnyOrder("c1", "c2", "a1", "a2", "c3");
        }
    }

    @Test
    void createsCompactedTopicsAndRefusesToAutoCreate(KafkaBroker broker) throws Exception {
        BROKERS_SEEN.add(broker.bootstrapServers());
        broker.createCompactedTopic("compacted", 3);
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "compacted");
            Config config = admin.describeConfigs(List.of(topic)).all().get().get(topic);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
            assertThat(admin.describeTopics(List.of("compacted"))
                            .allTopicNames()
                            .get()
                            .get("compacted")
                            .partitions())
                    .hasSize(3);
        }
        try (KafkaProducer<String, String> producer =
                KafkaClients.producer(broker, Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000))) {
            assertThatThrownBy(() ->
                            producer.send(new ProducerRecord<>("typo", "x")).get(10, TimeUnit.SECONDS))
                    .hasMessageContaining("typo");
        }
    }

    @Test
    void cannotBeKilled(KafkaBroker broker) {
        BROKERS_SEEN.add(broker.bootstrapServers());
        assertThat(broker.isKillable()).isFalse();
        assertThatThrownBy(broker::kill)
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("CHILD_PROCESS");
        assertThatThrownBy(broker::pause).isInstanceOf(UnsupportedOperationException.class);
    }
}
