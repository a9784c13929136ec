package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** The source's poll loop on kafka-clients' {@code MockConsumer}: demand, pausing, rebalances, errors, close. */
class PollLoopTest {

    private static final TopicPartition P0 = new TopicPartition("in", 0);
    private static final TopicPartition P1 = new TopicPartition("in", 1);

    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final List<String> seen = new CopyOnWriteArrayList<>();

    @Test
    void pollsOnlyWhatIsRequestedAndPausesTheAssignmentWithoutDemand() {
        consumer.updateBeginningOffsets(Map.of(P0, 0L));
        consumer.schedulePollTask(() -> consumer.rebalance(List.of(P0)));

        StepVerifier.create(records(listener()), 0)
                // no demand: the assignment is paused, and the loop keeps polling (the member stays in its group)
                .then(() -> await().until(() -> consumer.paused().contains(P0)))
                .then(() -> consumer.addRecord(record(P0, 0)))
                .thenRequest(1)
                .assertNext(polled -> assertThat(polled.count()).isEqualTo(1))
                .then(() -> consumer.addRecord(record(P0, 1)))
                // the demand used up: paused again, the record waits in the consumer
                .then(() -> await().until(() -> consumer.paused().contains(P0)))
                .thenRequest(1)
                .assertNext(
                        polled -> assertThat(polled.records(P0).get(0).offset()).isEqualTo(1))
                .thenCancel()
                .verify(Duration.ofSeconds(30));

        await().until(consumer::closed);
        assertThat(seen).containsExactly("assigned [in-0]");
    }

    @Test
    void aPartitionAssignedWhilePausedIsPausedBeforeTheListenerSeesIt() {
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        List<Boolean> pausedWhenSeen = new CopyOnWriteArrayList<>();
        ConsumerRebalanceListener listener = new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                pausedWhenSeen.add(consumer.paused().containsAll(partitions));
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}
        };

        StepVerifier.create(records(listener), 0)
                .then(() -> consumer.schedulePollTask(() -> consumer.rebalance(List.of(P0, P1))))
                .then(() -> await().until(() -> !pausedWhenSeen.isEmpty()))
                .then(() -> consumer.addRecord(record(P1, 0)))
                .thenRequest(1)
                .assertNext(polled -> assertThat(polled.records(P1)).hasSize(1))
                .thenCancel()
                .verify(Duration.ofSeconds(30));

        assertThat(pausedWhenSeen).containsExactly(true);
    }

    @Test
    void aFailedPollEndsTheRecordsWithItsErrorAndClosesTheConsumer() {
        consumer.updateBeginningOffsets(Map.of(P0, 0L));
        consumer.schedulePollTask(() -> consumer.rebalance(List.of(P0)));
        consumer.setPollException(new KafkaException("the broker refused"));

        StepVerifier.create(records(listener()), 1)
                .expectErrorMessage("the broker refused")
                .verify(Duration.ofSeconds(30));

        await().until(consumer::closed);
    }

    @Test
    void aRevocationReachesTheListenerOnThePollThread() {
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        consumer.schedulePollTask(() -> consumer.rebalance(List.of(P0, P1)));

        StepVerifier.create(records(listener()), 0)
                .then(() -> await().until(() -> seen.size() == 1))
                .then(() -> consumer.schedulePollTask(() -> consumer.rebalance(List.of(P1))))
                .then(() -> await().until(() -> seen.size() == 2))
                .thenCancel()
                .verify(Duration.ofSeconds(30));

        assertThat(seen).containsExactly("assigned [in-0, in-1]", "revoked [in-0]");
    }

    private Flux<ConsumerRecords<byte[], byte[]>> records(ConsumerRebalanceListener listener) {
        return PollLoop.records(
                () -> consumer,
                List.of("in"),
                listener,
                Duration.ofMillis(10),
                Duration.ofSeconds(5),
                "onceflow-kafka-poll-test");
    }

    private ConsumerRebalanceListener listener() {
        return new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                if (!partitions.isEmpty()) {
                    assertThat(Thread.currentThread().getName()).isEqualTo("onceflow-kafka-poll-test");
                    seen.add("assigned "
                            + partitions.stream().sorted(PollLoopTest::byNumber).toList());
                }
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                if (!partitions.isEmpty()) {
                    seen.add("revoked "
                            + partitions.stream().sorted(PollLoopTest::byNumber).toList());
                }
            }
        };
    }

    private static int byNumber(TopicPartition a, TopicPartition b) {
        return Integer.compare(a.partition(), b.partition());
    }

    private static ConsumerRecord<byte[], byte[]> record(TopicPartition partition, long offset) {
        return new ConsumerRecord<>(partition.topic(), partition.partition(), offset, new byte[] {1}, new byte[] {2});
    }
}
