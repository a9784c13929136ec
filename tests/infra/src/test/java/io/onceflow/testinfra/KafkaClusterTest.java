package io.onceflow.testinfra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;

/**
 * A two-node cluster keeps serving transactions while a node is down: the partitions it led move to the other node,
 * and move back once it returns, without losing a committed record; killed and restarted whole, it serves again.
 */
class KafkaClusterTest {

    private static final String TOPIC = "moves";

    @Test
    void leadersMoveToTheOtherNodeAndBackWhileTransactionsCommit() throws Exception {
        try (KafkaCluster cluster = KafkaCluster.start(2);
                Admin admin = KafkaAdmin.connect(cluster.bootstrapServers())) {
            assertThat(cluster.nodes()).isEqualTo(2);
            cluster.createTopic(TOPIC, 4);
            TopicDescription topic = describe(admin);
            assertThat(topic.partitions())
                    .allSatisfy(p -> assertThat(p.replicas()).hasSize(2));
            List<Integer> ledByNode2 = ledBy(topic, 2);
            assertThat(ledByNode2).as("node 2 leads some partitions").isNotEmpty();

            try (KafkaProducer<String, String> producer =
                    KafkaClients.producer(cluster, Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "mover"))) {
                producer.initTransactions();
                commit(producer, "before-0", "before-1", "before-2", "before-3");

                cluster.killNode(2);
                await("node 2's partitions led by node 1")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(200))
                        .ignoreExceptions()
                        .until(() -> ledBy(describe(admin), 1).size() == 4);
                commit(producer, "down-0", "down-1", "down-2", "down-3");

                cluster.restartNode(2);
                await("node 2 leads its preferred partitions again")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(200))
                        .ignoreExceptions()
                        .until(() -> ledBy(describe(admin), 2).equals(ledByNode2));
                commit(producer, "back-0", "back-1", "back-2", "back-3");
            }

            cluster.kill();
            cluster.restart(); // every node at once
            try (KafkaProducer<String, String> producer =
                    KafkaClients.producer(cluster, Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "mover"))) {
                producer.initTransactions();
                commit(producer, "again-0", "again-1", "again-2", "again-3");
            }

            try (KafkaConsumer<String, String> consumer = KafkaClients.consumer(cluster, "reader", "read_committed")) {
                consumer.subscribe(List.of(TOPIC));
                assertThat(KafkaClients.values(KafkaClients.pollAtLeast(consumer, 16, Duration.ofSeconds(30))))
                        .containsExactlyInAnyOrder(
                                "before-0",
                                "before-1",
                                "before-2",
                                "before-3",
                                "down-0",
                                "down-1",
                                "down-2",
                                "down-3",
                                "back-0",
                                "back-1",
                                "back-2",
                                "back-3",
                                "again-0",
                                "again-1",
                                "again-2",
                                "again-3");
            }
        }
    }

    private static void commit(KafkaProducer<String, String> producer, String... values) {
        producer.beginTransaction();
        for (int i = 0; i < values.length; i++) {
            producer.send(new ProducerRecord<>(TOPIC, i, values[i], values[i]));
        }
        producer.commitTransaction();
    }

    private static TopicDescription describe(Admin admin) throws Exception {
        return admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
    }

    private static List<Integer> ledBy(TopicDescription topic, int node) {
        return topic.partitions().stream()
                .filter(p -> p.leader() != null && p.leader().id() == node)
                .map(TopicPartitionInfo::partition)
                .toList();
    }
}
