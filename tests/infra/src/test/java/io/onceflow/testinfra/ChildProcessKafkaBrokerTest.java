package io.onceflow.testinfra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** Ordered: each test leaves the broker in a state the next one relies on the extension to repair. */
@WithKafka(mode = BrokerMode.CHILD_PROCESS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChildProcessKafkaBrokerTest {

    @Test
    @Order(3)
    void dataAndGroupOffsetsSurviveKillAndRestart(KafkaBroker broker) throws Exception {
        assertThat(broker.isKillable()).isTrue();
        broker.createTopic("events", 1); // works: the extension restarted the broker the previous test killed
        try (KafkaProducer<String, String> producer = KafkaClients.producer(broker, Map.of())) {
            KafkaClients.send(producer, "events", "e0", "e1", "e2", "e3", "e4");
        }
        try (KafkaConsumer<String, String> consumer = KafkaClients.consumer(broker, "worker", "read_committed")) {
            consumer.subscribe(List.of("events"));
            List<ConsumerRecord<String, String>> first = KafkaClients.pollAtLeast(consumer, 5, Duration.ofSeconds(30));
            assertThat(KafkaClients.values(first)).containsExactly("e0", "e1", "e2", "e3", "e4");
            consumer.commitSync();
        }

        long pid = ((ChildProcessKafkaBroker) broker).pid();
        String bootstrap = broker.bootstrapServers();
        broker.kill();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
        broker.restart();
        assertThat(broker.bootstrapServers()).isEqualTo(bootstrap);
        assertThat(((ChildProcessKafkaBroker) broker).pid()).isNotEqualTo(pid);

        // The data survived: a new group reads everything again.
        try (KafkaConsumer<String, String> replay = KafkaClients.consumer(broker, "replay", "read_committed")) {
            replay.subscribe(List.of("events"));
            assertThat(KafkaClients.values(KafkaClients.pollAtLeast(replay, 5, Duration.ofSeconds(30))))
                    .containsExactly("e0", "e1", "e2", "e3", "e4");
        }
        // The group offset survived: the old group resumes after e4, and sees only what came after the restart,
        // written by a transactional producer, so the transaction coordinator works after a kill too.
        try (Admin admin = KafkaAdmin.connect(broker.bootstrapServers())) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("worker")
                    .partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            assertThat(offsets.get(new TopicPartition("events", 0)).offset()).isEqualTo(5);
        }
        try (KafkaProducer<String, String> producer =
                KafkaClients.producer(broker, Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "after-restart"))) {
            producer.initTransactions();
            producer.beginTransaction();
            KafkaClients.send(producer, "events", "e5");
            producer.commitTransaction();
        }
        try (KafkaConsumer<String, String> consumer = KafkaClients.consumer(broker, "worker", "read_committed")) {
            consumer.subscribe(List.of("events"));
            assertThat(KafkaClients.values(KafkaClients.pollAtLeast(consumer, 1, Duration.ofSeconds(30))))
                    .containsExactly("e5");
        }
    }

    @Test
    @Order(1)
    void pausedBrokerAnswersNothingUntilResumed(KafkaBroker broker) throws Exception {
        broker.createTopic("paused", 1);
        Admin admin = KafkaAdmin.connect(broker.bootstrapServers());
        broker.pause();
        try {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(3, TimeUnit.SECONDS))
                    .isInstanceOfAny(TimeoutException.class, ExecutionException.class);
        } finally {
            broker.resume(); // before closing the admin client, which waits for its pending calls
            admin.close();
        }
        try (KafkaProducer<String, String> producer = KafkaClients.producer(broker, Map.of());
                KafkaConsumer<String, String> consumer =
                        KafkaClients.consumer(broker, "after-pause", "read_committed")) {
            KafkaClients.send(producer, "paused", "p1");
            consumer.subscribe(List.of("paused"));
            assertThat(KafkaClients.values(KafkaClients.pollAtLeast(consumer, 1, Duration.ofSeconds(30))))
                    .containsExactly("p1");
        }
        broker.pause(); // left paused on purpose
    }

    @Test
    @Order(2)
    void restartsAPausedBrokerToo(KafkaBroker broker) {
        broker.createTopic("resumed", 1); // works: the extension resumed the broker the previous test paused
        broker.pause();
        broker.restart(); // kills the frozen incarnation first
        broker.createTopic("after-restart", 1);
        assertThatThrownBy(broker::resume)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("RUNNING");
        broker.kill(); // left killed on purpose
    }
}
