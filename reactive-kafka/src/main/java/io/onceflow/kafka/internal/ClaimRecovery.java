package io.onceflow.kafka.internal;

import io.onceflow.core.Positions;
import io.onceflow.core.Recovery;
import io.onceflow.core.SinkContext;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import io.onceflow.core.TransientFailureException;
import io.onceflow.kafka.KafkaSinkOptions;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link TransactionalWriter} reads back from Kafka when it opens and when its source claims partitions: the
 * last checkpoint id, the committed offsets (once no transaction of a previous owner is in flight) and the state in
 * the changelog as of the checkpoint those offsets name. Confined to the writer's recovery thread.
 */
final class ClaimRecovery {

    private static final Logger CHECKPOINT = LoggerFactory.getLogger("io.onceflow.CHECKPOINT");

    private final KafkaSinkOptions options;
    private final SinkContext context;
    private final String pipeline;
    private final String groupId;
    private final String transactionalId;
    private final Changelog changelog;
    private final Admin admin;
    private final StateCheckpoints stateCheckpoints;
    private @Nullable KafkaConsumer<byte[], byte[]> changelogReader;

    ClaimRecovery(
            KafkaSinkOptions options,
            SinkContext context,
            String groupId,
            String transactionalId,
            Changelog changelog,
            Admin admin,
            StateCheckpoints stateCheckpoints) {
        this.options = options;
        this.context = context;
        this.pipeline = context.pipeline();
        this.groupId = groupId;
        this.transactionalId = transactionalId;
        this.changelog = changelog;
        this.admin = admin;
        this.stateCheckpoints = stateCheckpoints;
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
     * the offsets' metadata names, within the claim timeout.
     */
    Recovery recover(List<SourcePartition> partitions) throws Exception {
        Map<TopicPartition, SourcePartition> byTopicPartition = new HashMap<>();
        partitions.forEach(p -> byTopicPartition.put(new TopicPartition(p.source(), p.partition()), p));
        long start = System.nanoTime();
        Map<TopicPartition, OffsetAndMetadata> committed = stableOffsets(groupId, byTopicPartition.keySet());
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
        List<StateChange> state =
                changelog.restore(admin, reader, partitions, required, left.isNegative() ? Duration.ZERO : left);
        partitions.forEach(partition -> stateCheckpoints.claimed(partition, required.getOrDefault(partition, 0L)));
        return new Recovery(Positions.of(positions), state);
    }

    /**
     * The group's committed offsets of {@code partitions}, read only once no transaction with offsets for them is in
     * flight (the previous owner's, which may still commit). With {@code requireStable}, the broker answers such a
     * partition "unstable", and the admin client leaves it out of the result (it does not retry): an absent partition
     * must never be taken for one without a committed offset (which the result holds as {@code null}), or the new
     * owner would start it over and apply its committed prefix twice. So the read is repeated until every partition
     * is answered, within the claim timeout; then the claim fails with a retryable error.
     */
    private Map<TopicPartition, OffsetAndMetadata> stableOffsets(String group, Set<TopicPartition> partitions)
            throws Exception {
        long deadline = System.nanoTime() + options.claimTimeout().toNanos();
        long backoffMillis = 20;
        while (true) {
            long remaining = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                            Map.of(group, new ListConsumerGroupOffsetsSpec().topicPartitions(partitions)),
                            new ListConsumerGroupOffsetsOptions().requireStable(true))
                    .partitionsToOffsetAndMetadata(group)
                    .get(remaining, TimeUnit.MILLISECONDS);
            Set<TopicPartition> unanswered = new HashSet<>(partitions);
            unanswered.removeAll(committed.keySet());
            if (unanswered.isEmpty()) {
                return committed;
            }
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMillis) > deadline) {
                throw new TransientFailureException(
                        "pipeline '" + pipeline + "': the committed offsets of " + unanswered + " in group '" + group
                                + "' stayed unstable for " + options.claimTimeout() + ": a transaction of their"
                                + " previous owner is still open (it ends when that owner commits or aborts, or at its"
                                + " transaction timeout)",
                        null);
            }
            CHECKPOINT.debug(
                    "pipeline={} offsets of {} unstable: a transaction is in flight; asking again in {} ms",
                    pipeline,
                    unanswered,
                    backoffMillis);
            Thread.sleep(backoffMillis); // blocking-ok: Onceflow's own recovery thread, previous owner's transaction
            backoffMillis = Math.min(backoffMillis * 2, 500);
        }
    }

    /** Closes the changelog reader, if a claim opened one. */
    void close() throws Exception {
        KafkaConsumer<byte[], byte[]> reader = changelogReader;
        if (reader != null) {
            reader.close(Duration.ofSeconds(5));
        }
    }
}
