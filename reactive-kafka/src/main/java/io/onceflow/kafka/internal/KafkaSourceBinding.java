package io.onceflow.kafka.internal;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;

/** The Kafka source of a run, as the Kafka sink (either guarantee) sees it. */
interface KafkaSourceBinding {

    /** The consumer group the source reads in. */
    String groupId();

    /**
     * Sends {@code offsets} into {@code producer}'s open transaction with the consumer's group metadata, on the
     * consumer's poll thread; completes when sent.
     *
     * <p>On the poll thread, because the group metadata must be read there (reactor-kafka#292: reading it from
     * another thread races with {@code poll()}), and because a rebalance only advances the group's generation inside
     * {@code poll()}: between two polls, or inside a rebalance callback, the metadata read is the member's current
     * one. Fails without sending when a partition of {@code offsets} is no longer assigned to the consumer (it may
     * have a new owner already), or was assigned again since {@code ownership} was taken. Once sent, the pipeline's protocol listener hears {@code AFTER_SEND_OFFSETS} for
     * {@code checkpointId}, on the poll thread.
     */
    CompletableFuture<Void> sendOffsets(
            Producer<?, ?> producer,
            Map<TopicPartition, OffsetAndMetadata> offsets,
            long checkpointId,
            Map<TopicPartition, Long> ownership);

    /**
     * Commits {@code offsets} for the source's consumer group with the consumer itself ({@code commitSync}, within
     * {@code timeout}), on its poll thread, in the member's current generation: the at-least-once sink's commit, once
     * every write of checkpoint {@code checkpointId} is acknowledged. Refused, like {@link #sendOffsets}, when a
     * partition is no longer assigned or was assigned again since {@code ownership} was taken.
     */
    CompletableFuture<Void> commitOffsets(
            Map<TopicPartition, OffsetAndMetadata> offsets,
            long checkpointId,
            Map<TopicPartition, Long> ownership,
            Duration timeout);

    /**
     * The run's ownership of {@code partitions} now: a number per partition that changes at each assignment. A
     * checkpoint takes it at its first attempt and passes it to every attempt's {@link #sendOffsets}, which refuses
     * to send when a partition has been assigned again since (gone to another owner and come back: the positions the
     * checkpoint carries are older than what the other owner committed).
     */
    Map<TopicPartition, Long> ownership(Collection<TopicPartition> partitions);
}
