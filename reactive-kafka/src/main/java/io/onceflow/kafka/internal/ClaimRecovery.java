package io.onceflow.kafka.internal;

import io.onceflow.core.Positions;
import io.onceflow.core.Recovery;
import io.onceflow.core.SinkContext;
import io.onceflow.core.SourcePartition;
import io.onceflow.kafka.KafkaSinkOptions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * What a {@link TransactionalWriter} reads back from Kafka when it opens and when its source claims partitions: the
 * last checkpoint id, the committed offsets (once no transaction of a previous owner is in flight) and the state in
 * the changelog as of the checkpoint those offsets name. Confined to the writer's recovery thread.
 */
final class ClaimRecovery {
    private final KafkaSinkOptions options;
    private final String pipeline;
    private final String groupId;
    private final String transactionalId;
    private final Changelog changelog;
    private final Admin admin;
    private final StateCheckpoints stateCheckpoints;
    private final BiConsumer<SourcePartition, StateLog.Unfolded> liveLogs;
    private final Scheduler recoveryThread;
    private @Nullable KafkaConsumer<byte[], byte[]> changelogReader;

    ClaimRecovery(
            KafkaSinkOptions options,
            SinkContext context,
            String groupId,
            String transactionalId,
            Changelog changelog,
            Admin admin,
            StateCheckpoints stateCheckpoints,
            BiConsumer<SourcePartition, StateLog.Unfolded> liveLogs,
            Scheduler recoveryThread) {
        this.options = options;
        this.pipeline = context.pipeline();
        this.groupId = groupId;
        this.transactionalId = transactionalId;
        this.changelog = changelog;
        this.admin = admin;
        this.stateCheckpoints = stateCheckpoints;
        this.liveLogs = liveLogs;
        this.recoveryThread = recoveryThread;
    }

    /** The highest checkpoint id in the group's offset metadata: ids continue across restarts and instances. */
    long lastCheckpoint() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(groupId)
                .partitionsToOffsetAndMetadata()
                .get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        long last = 0;
        for (OffsetAndMetadata offset : offsets.values()) {
            if (offset != null) {
                last = Math.max(last, OffsetMetadata.checkpointId(offset.metadata()));
            }
        }
        return last;
    }

    /**
     * The committed positions of {@code partitions} and their state, restored from the changelog up to the checkpoint
     * the offsets' metadata names, within the claim timeout; on the recovery thread.
     */
    Mono<Recovery> recover(List<SourcePartition> partitions) {
        return Mono.defer(() -> {
            Map<TopicPartition, SourcePartition> byTopicPartition = new HashMap<>();
            partitions.forEach(p -> byTopicPartition.put(new TopicPartition(p.source(), p.partition()), p));
            long start = System.nanoTime();
            return stableOffsets(byTopicPartition.keySet())
                    .flatMap(committed -> Mono.fromCallable(
                                    () -> restore(partitions, byTopicPartition, committed, start))
                            .subscribeOn(recoveryThread));
        });
    }

    private Recovery restore(
            List<SourcePartition> partitions,
            Map<TopicPartition, SourcePartition> byTopicPartition,
            Map<TopicPartition, OffsetAndMetadata> committed,
            long start)
            throws Exception {
        Map<SourcePartition, Long> positions = new HashMap<>();
        Map<SourcePartition, Long> required = new HashMap<>();
        committed.forEach((partition, offset) -> {
            SourcePartition claimed = byTopicPartition.get(partition);
            if (offset != null && claimed != null) {
                positions.put(claimed, offset.offset());
                required.put(claimed, OffsetMetadata.stateCheckpoint(offset.metadata()));
            }
        });
        KafkaConsumer<byte[], byte[]> reader = changelogReader;
        if (reader == null) {
            reader = new KafkaConsumer<>(
                    TransactionalClients.changelogReader(options, transactionalId),
                    new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            changelogReader = reader;
        }
        Duration left = options.claimTimeout().minusNanos(System.nanoTime() - start);
        Changelog.Restored restored =
                changelog.restore(admin, reader, partitions, required, left.isNegative() ? Duration.ZERO : left);
        for (SourcePartition partition : partitions) {
            stateCheckpoints.claimed(partition, required.getOrDefault(partition, 0L));
            liveLogs.accept(partition, restored.unfolded().getOrDefault(partition, new StateLog.Unfolded()));
        }
        return new Recovery(Positions.of(positions), restored.changes());
    }

    /** The group's committed offsets of {@code partitions}, once none is held back by a transaction in flight. */
    private Mono<Map<TopicPartition, OffsetAndMetadata>> stableOffsets(Set<TopicPartition> partitions) {
        return StableOffsets.await(
                timeoutMillis -> admin.listConsumerGroupOffsets(
                                Map.of(groupId, new ListConsumerGroupOffsetsSpec().topicPartitions(partitions)),
                                new ListConsumerGroupOffsetsOptions().requireStable(true))
                        .partitionsToOffsetAndMetadata(groupId)
                        .get(timeoutMillis, TimeUnit.MILLISECONDS),
                partitions,
                pipeline,
                groupId,
                options.claimTimeout(),
                recoveryThread);
    }

    /** Closes the changelog reader, if a claim opened one. */
    void close() throws Exception {
        KafkaConsumer<byte[], byte[]> reader = changelogReader;
        if (reader != null) {
            reader.close(Duration.ofSeconds(5));
        }
    }
}
