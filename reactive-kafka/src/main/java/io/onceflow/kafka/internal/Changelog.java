package io.onceflow.kafka.internal;

import io.onceflow.core.PipelineConfigurationException;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import io.onceflow.core.TransientFailureException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keyed-state changelog topic: compacted, with the state of source partition {@code p} in its partition {@code
 * p}, so that claiming a source partition restores it from one changelog partition; and, after a partition's state
 * changes in each transaction, a checkpoint record saying which checkpoint the state is as of, which a restore
 * checks against the committed offsets' metadata before it trusts what it read. State is written one record per key
 * (the at-least-once sink, and a fold), or as {@link #STATE_LOG} records of many entries each (the transactional
 * sink, {@link StateLog}); a restore applies both in offset order.
 *
 * <p>Not thread-safe: the transactional sink calls {@link #ensure} on its producer thread and {@link #restore} on its
 * recovery thread, each with clients of its own.
 */
final class Changelog {

    private static final Logger LOG = LoggerFactory.getLogger(Changelog.class);
    private static final Logger CHECKPOINT = LoggerFactory.getLogger("io.onceflow.CHECKPOINT");

    /**
     * The reserved operator name of the checkpoint records: not a name a stateful operator can have (a {@code /}),
     * so that they never mix with state.
     */
    static final String CHECKPOINTS = "onceflow/checkpoint";

    /**
     * The reserved operator name of the state log records: a checkpoint's changes of one source partition, many to a
     * record ({@link StateLogValue}), under a key of their own that no later record replaces, until a later
     * transaction has written their entries one record per key and deletes them ({@link StateLog}).
     */
    static final String STATE_LOG = "onceflow/state-log";

    /**
     * The settings of a changelog topic the sink creates. Compaction only ever cleans closed segments, and the
     * broker's default segment (1 GiB) closes after a gigabyte per partition: until then every value every checkpoint
     * wrote stays, and a restore, which reads from the beginning, reads them all (millions of records after minutes
     * of a busy job). Segments of 8 MiB close often, so the cleaner (every {@code log.cleaner.backoff.ms}, 15 s by
     * default) keeps each partition near one value per key plus what was written since its last pass.
     */
    private static final Map<String, String> CREATED_TOPIC_CONFIGS =
            Map.of("cleanup.policy", "compact", "segment.bytes", String.valueOf(8 * 1024 * 1024));

    /** A restore that reads more than this many records, and this many per live entry, warns of a changelog that
     * compaction does not keep small. */
    private static final long UNCOMPACTED_READ_MIN = 1_000_000;

    private static final long UNCOMPACTED_READ_RATIO = 50;

    private final String topic;
    private final boolean create;
    private final short replicationFactor;
    private final Duration timeout;
    private final String pipeline;
    private volatile int knownPartitions = -1;

    Changelog(String topic, boolean create, short replicationFactor, Duration timeout, String pipeline) {
        this.topic = topic;
        this.create = create;
        this.replicationFactor = replicationFactor;
        this.timeout = timeout;
        this.pipeline = pipeline;
    }

    String topic() {
        return topic;
    }

    /**
     * Makes sure the topic exists with partitions for {@code partitions}: creates it (with as many partitions as the
     * source topics have) or adds partitions. Adding partitions moves nothing, since records pick their partition.
     */
    void ensure(Admin admin, Collection<SourcePartition> partitions) throws Exception {
        int needed = 1
                + partitions.stream().mapToInt(SourcePartition::partition).max().orElse(0);
        if (knownPartitions >= needed) {
            return;
        }
        Optional<Integer> existing = partitionCount(admin);
        boolean created = false;
        boolean grown = false;
        if (existing.isEmpty()) {
            if (!create) {
                throw new PipelineConfigurationException("pipeline '" + pipeline + "': the changelog topic '" + topic
                        + "' does not exist: create it compacted (cleanup.policy=compact, segment.bytes=8388608: a"
                        + " restore reads what compaction has not cleaned) with as many partitions as the source"
                        + " topics, or let the sink create it (createChangelogTopic(true))");
            }
            int count = Math.max(needed, sourcePartitions(admin, partitions));
            NewTopic newTopic = new NewTopic(
                            topic,
                            Optional.of(count),
                            replicationFactor < 0 ? Optional.empty() : Optional.of(replicationFactor))
                    .configs(CREATED_TOPIC_CONFIGS);
            try {
                get(admin.createTopics(List.of(newTopic)).all());
                created = true;
                LOG.info("pipeline={} created the changelog topic {} with {} partitions", pipeline, topic, count);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            existing = partitionCount(admin);
            if (existing.isEmpty() && created) {
                // created a moment ago: the answering broker may not have it in its metadata yet (KRaft propagates
                // it from the controller), and adding partitions to it would fail as an unknown topic
                existing = Optional.of(count);
            }
        }
        int count = existing.orElse(0);
        if (count < needed) {
            if (!create) {
                throw new PipelineConfigurationException("pipeline '" + pipeline + "': the changelog topic '" + topic
                        + "' has " + count + " partitions and source partition " + (needed - 1) + " needs " + needed
                        + ": add partitions to it");
            }
            try {
                get(admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(needed)))
                        .all());
                LOG.info("pipeline={} grew the changelog topic {} to {} partitions", pipeline, topic, needed);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof InvalidPartitionsException)) {
                    throw e;
                }
            }
            count = needed;
            grown = true;
        }
        if (created || grown) {
            awaitLeaders(admin, count);
        }
        knownPartitions = count;
    }

    /**
     * Waits until the leader of every partition answers for it (only a partition's leader answers
     * {@code ListOffsets}). A broker names a new partition's leader in its metadata a moment before that leader serves
     * it, and a producer whose first batch meets that gap while its next is appended retries the first as
     * {@code OUT_OF_ORDER_SEQUENCE_NUMBER} until its delivery timeout: the first checkpoint would wait that long.
     * Not waiting is not an error: the checkpoint then fails or waits as it would have.
     */
    private void awaitLeaders(Admin admin, int count) throws InterruptedException {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int partition = 0; partition < count; partition++) {
            latest.put(new TopicPartition(topic, partition), OffsetSpec.latest());
        }
        try {
            get(admin.listOffsets(latest).all());
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            LOG.debug("pipeline={} changelog {}: leaders not answering yet: {}", pipeline, topic, e.toString());
        }
    }

    private Optional<Integer> partitionCount(Admin admin) throws Exception {
        try {
            TopicDescription description =
                    get(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic);
            return Optional.of(description.partitions().size());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private int sourcePartitions(Admin admin, Collection<SourcePartition> partitions) throws Exception {
        Set<String> topics = new HashSet<>();
        partitions.forEach(partition -> topics.add(partition.source()));
        int most = 0;
        for (TopicDescription description :
                get(admin.describeTopics(topics).allTopicNames()).values()) {
            most = Math.max(most, description.partitions().size());
        }
        return most;
    }

    /**
     * The record that says, in the transaction of checkpoint {@code checkpointId}, that the changelog holds the state
     * of {@code partition} as of that checkpoint: written after the partition's state changes, in the same
     * changelog partition, so that a reader who has read it has read them.
     */
    ProducerRecord<byte[], byte[]> checkpointRecord(SourcePartition partition, long checkpointId) {
        return new ProducerRecord<>(
                topic,
                partition.partition(),
                ChangelogKeys.encode(CHECKPOINTS, partition, ""),
                ByteBuffer.allocate(Long.BYTES).putLong(checkpointId).array());
    }

    /**
     * The committed state of {@code partitions}: their changelog partitions read from the beginning (with
     * {@code read_committed}: never an open or aborted transaction), last value per key, without tombstones, once
     * the changelog has reached, for each partition, the checkpoint the committed offsets say last wrote its state.
     *
     * <p>The offsets and the changelog records of one transaction become readable independently (each partition gets
     * its own commit marker), and a transaction still open on a changelog partition (a frozen owner's, another
     * instance's sharing the partition with another source topic) holds back everything committed after it. So the
     * read goes on past the end it first saw, as the last stable offset moves, until every partition's checkpoint
     * record has reached what {@code required} says, and fails, retryably, only when that takes longer than
     * {@code wait}. A large changelog is read for as long as it takes: only a read that makes no progress for the
     * request timeout fails.
     *
     * @param required for each partition, the last checkpoint that wrote its state (0 or absent: none)
     * @param wait how long the changelog may lag behind the committed offsets, at most
     * @throws StaleChangelogException (retryable) when the changelog did not reach {@code required} within
     *     {@code wait}
     */
    Restored restore(
            Admin admin,
            KafkaConsumer<byte[], byte[]> reader,
            Collection<SourcePartition> partitions,
            Map<SourcePartition, Long> required,
            Duration wait)
            throws Exception {
        long start = System.nanoTime();
        Optional<Integer> count = partitions.isEmpty() ? Optional.empty() : partitionCount(admin);
        Map<SourcePartition, Long> pending = new HashMap<>();
        required.forEach((partition, checkpoint) -> {
            if (checkpoint > 0 && partitions.contains(partition)) {
                pending.put(partition, checkpoint);
            }
        });
        if (count.isEmpty()) {
            if (!pending.isEmpty()) {
                throw stale(pending, Map.of(), "the changelog topic does not exist (yet)");
            }
            return Restored.NOTHING;
        }
        Set<TopicPartition> read = new HashSet<>();
        for (SourcePartition partition : partitions) {
            if (partition.partition() < count.get()) {
                read.add(new TopicPartition(topic, partition.partition()));
            }
        }
        if (read.isEmpty()) {
            if (!pending.isEmpty()) {
                throw stale(pending, Map.of(), "the changelog topic has no partition for them");
            }
            return Restored.NOTHING;
        }
        reader.assign(read);
        reader.seekToBeginning(read);
        RestoredState state = new RestoredState(partitions);
        Map<SourcePartition, Long> reached = state.reached();
        long records = 0;
        long waitUntil = System.nanoTime() + wait.toNanos();
        long lastProgress = System.nanoTime();
        Map<TopicPartition, Long> ends = reader.endOffsets(read, timeout);
        while (true) {
            boolean atEnd = true;
            for (TopicPartition partition : read) {
                if (reader.position(partition, timeout) < ends.get(partition)) {
                    atEnd = false;
                    break;
                }
            }
            if (atEnd) {
                pending.entrySet().removeIf(need -> reached.getOrDefault(need.getKey(), 0L) >= need.getValue());
                if (pending.isEmpty()) {
                    break;
                }
                if (System.nanoTime() > waitUntil) {
                    throw stale(
                            pending,
                            reached,
                            "a transaction still open on the changelog holds back what was"
                                    + " committed after it (a frozen or crashed owner's, until its transaction timeout)");
                }
                // behind the committed offsets: wait for the last stable offset to move, then read on
                Thread.sleep(50); // blocking-ok: Onceflow's own recovery thread waits for the changelog
                ends = reader.endOffsets(read, timeout);
                continue;
            }
            ConsumerRecords<byte[], byte[]> polled = reader.poll(Duration.ofMillis(200));
            if (polled.isEmpty()) {
                if (System.nanoTime() - lastProgress > timeout.toNanos()) {
                    throw new TransientFailureException(
                            "pipeline '" + pipeline + "': restoring " + partitions + " from the changelog " + topic
                                    + " made no progress for " + timeout + " (read " + records + " records so far)",
                            null);
                }
                continue;
            }
            lastProgress = System.nanoTime();
            for (ConsumerRecord<byte[], byte[]> record : polled) {
                records++;
                try {
                    state.add(record.key(), record.value());
                } catch (IllegalArgumentException unreadable) {
                    // restoring without this record's entries would start from the wrong state
                    throw new IllegalStateException(
                            "pipeline '" + pipeline + "': the changelog " + topic + " holds a state log record this"
                                    + " version cannot read, at offset " + record.offset() + " of partition "
                                    + record.partition() + ": " + unreadable.getMessage(),
                            unreadable);
                }
            }
        }
        reader.unsubscribe();
        List<StateChange> restored = state.changes();
        CHECKPOINT.info(
                "pipeline={} restored {} state entries of {} (as of checkpoints {}) from {} changelog records of {} in"
                        + " {} ms",
                pipeline,
                restored.size(),
                partitions,
                reached,
                records,
                topic,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        if (records > UNCOMPACTED_READ_MIN && records > UNCOMPACTED_READ_RATIO * Math.max(1, state.entries())) {
            LOG.warn(
                    "pipeline={} the restore of {} read {} changelog records for {} live entries: the changelog {} is"
                            + " hardly compacted, and every restore reads it from the beginning. Compaction cleans"
                            + " only closed segments: give the topic smaller ones (segment.bytes=8388608, as the sink"
                            + " sets on a topic it creates)",
                    pipeline,
                    partitions,
                    records,
                    state.entries(),
                    topic);
        }
        return new Restored(restored, state.unfolded());
    }

    /**
     * What a restore found: the state entries of the claimed partitions, and for each partition with live state log
     * records, what they hold ({@link StateLog}).
     */
    record Restored(List<StateChange> changes, Map<SourcePartition, StateLog.Unfolded> unfolded) {
        static final Restored NOTHING = new Restored(List.of(), Map.of());
    }

    private StaleChangelogException stale(
            Map<SourcePartition, Long> pending, Map<SourcePartition, Long> reached, String why) {
        return new StaleChangelogException("pipeline '" + pipeline + "': the changelog " + topic + " has not reached"
                + " the committed state of " + pending.keySet() + " (their offsets were committed with the state of"
                + " checkpoints " + pending + ", the changelog holds " + reached + "): " + why + "; the claim is"
                + " tried again rather than restoring older state");
    }

    private <V> V get(org.apache.kafka.common.KafkaFuture<V> future) throws Exception {
        return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
