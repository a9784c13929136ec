package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.onceflow.core.OnceflowException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.junit.jupiter.api.Test;

/** The at-least-once sink's offsets, committed by the consumer on kafka-clients' {@code MockConsumer}. */
class PollThreadOffsetsTest {

    private static final TopicPartition P0 = new TopicPartition("payments", 0);
    private static final Map<TopicPartition, OffsetAndMetadata> OFFSETS =
            Map.of(P0, new OffsetAndMetadata(42, "onceflow;pipeline=p;instance=0;checkpoint=3"));
    private static final Map<TopicPartition, Long> OWNED = Map.of(P0, 1L);

    @Test
    void aCommitWokenUpForAPollIsSentAgain() {
        WakingConsumer consumer = new WakingConsumer(3);
        consumer.assign(List.of(P0));

        PollThreadOffsets.commit(consumer, OFFSETS, 3, OWNED, OWNED, Duration.ofSeconds(1));

        assertThat(consumer.attempts).hasValue(4);
        assertThat(consumer.committed(java.util.Set.of(P0)).get(P0).offset()).isEqualTo(42);
    }

    @Test
    void aCommitWokenUpOverAndOverFailsRetryably() {
        WakingConsumer consumer = new WakingConsumer(Integer.MAX_VALUE);
        consumer.assign(List.of(P0));

        assertThatThrownBy(() -> PollThreadOffsets.commit(consumer, OFFSETS, 3, OWNED, OWNED, Duration.ofSeconds(1)))
                .isInstanceOfSatisfying(
                        OnceflowException.class,
                        e -> assertThat(e.isRetryable()).isTrue())
                .hasCauseInstanceOf(WakeupException.class);
        assertThat(consumer.committed(java.util.Set.of(P0)).get(P0)).isNull();
    }

    @Test
    void offsetsOfAPartitionNoLongerAssignedAreNotCommitted() {
        WakingConsumer consumer = new WakingConsumer(0);
        consumer.assign(List.of(new TopicPartition("payments", 1)));

        assertThatThrownBy(() -> PollThreadOffsets.commit(consumer, OFFSETS, 3, OWNED, OWNED, Duration.ofSeconds(1)))
                .hasMessageContaining("no longer assigned");
        assertThat(consumer.attempts).hasValue(0);
    }

    @Test
    void offsetsOfAPartitionAssignedAgainSinceTheCheckpointAreNotCommitted() {
        WakingConsumer consumer = new WakingConsumer(0);
        consumer.assign(List.of(P0));

        assertThatThrownBy(() ->
                        PollThreadOffsets.commit(consumer, OFFSETS, 3, Map.of(P0, 2L), OWNED, Duration.ofSeconds(1)))
                .hasMessageContaining("assigned again");
        assertThat(consumer.attempts).hasValue(0);
    }

    /** A consumer whose commits meet a pending wakeup the first {@code wakeups} times. */
    private static final class WakingConsumer extends MockConsumer<byte[], byte[]> {
        final AtomicInteger attempts = new AtomicInteger();
        private final int wakeups;

        WakingConsumer(int wakeups) {
            super("earliest");
            this.wakeups = wakeups;
        }

        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
            if (attempts.incrementAndGet() <= wakeups) {
                throw new WakeupException();
            }
            super.commitSync(offsets, timeout);
        }
    }
}
