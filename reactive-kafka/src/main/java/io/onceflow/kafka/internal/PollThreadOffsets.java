package io.onceflow.kafka.internal;

import io.onceflow.core.OnceflowException;
import io.onceflow.core.ProtocolListener;
import io.onceflow.core.ProtocolPoint;
import io.onceflow.core.TransientFailureException;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * What a Kafka sink asks of the source's consumer for a checkpoint's offsets, run on the consumer's poll thread (where
 * the group metadata and the assignment are the member's current ones): checked against the ownership the checkpoint
 * was first attempted under, then sent into the exactly-once sink's transaction, or committed for the at-least-once
 * sink.
 */
final class PollThreadOffsets {

    /**
     * Wakeups a commit survives. Another thread's task for the poll thread wakes the consumer up so that a waiting
     * poll returns; if that wakeup arrives while a commit runs between polls, the commit throws {@link
     * WakeupException}, though nothing went wrong with it.
     */
    static final int WAKEUPS = 16;

    private PollThreadOffsets() {}

    /** On the poll thread: {@code offsets} into the producer's open transaction, with the group metadata. */
    static void send(
            SourceConsumer consumer,
            Producer<?, ?> producer,
            Map<TopicPartition, OffsetAndMetadata> offsets,
            long checkpointId,
            Map<TopicPartition, Long> now,
            Map<TopicPartition, Long> expected,
            ProtocolListener listener) {
        refuseIfNotOwned(consumer, offsets, checkpointId, now, expected);
        producer.sendOffsetsToTransaction(offsets, consumer.currentGroupMetadata());
        listener.reached(ProtocolPoint.AFTER_SEND_OFFSETS, checkpointId);
    }

    /**
     * On the poll thread: commits {@code offsets} for the consumer's group, in its current generation (a member that
     * lost the partitions in a rebalance is refused by the coordinator). A wakeup meant for a poll interrupts the
     * commit without failing it: it is sent again (committing the same offsets twice changes nothing).
     */
    static void commit(
            org.apache.kafka.clients.consumer.Consumer<?, ?> consumer,
            Map<TopicPartition, OffsetAndMetadata> offsets,
            long checkpointId,
            Map<TopicPartition, Long> now,
            Map<TopicPartition, Long> expected,
            Duration timeout) {
        refuseIfNotOwned(consumer, offsets, checkpointId, now, expected);
        for (int woken = 0; ; woken++) {
            try {
                consumer.commitSync(offsets, timeout);
                return;
            } catch (WakeupException wakeup) {
                if (woken >= WAKEUPS) {
                    throw new TransientFailureException(
                            "committing the offsets of checkpoint " + checkpointId + " was woken up " + WAKEUPS
                                    + " times in a row",
                            wakeup);
                }
            }
        }
    }

    private static void refuseIfNotOwned(
            org.apache.kafka.clients.consumer.Consumer<?, ?> consumer,
            Map<TopicPartition, OffsetAndMetadata> offsets,
            long checkpointId,
            Map<TopicPartition, Long> now,
            Map<TopicPartition, Long> expected) {
        OnceflowException refused =
                OffsetsOwnership.refusal(checkpointId, offsets.keySet(), consumer.assignment(), now, expected);
        if (refused != null) {
            throw refused;
        }
    }
}
