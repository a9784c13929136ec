package io.onceflow.kafka.internal;

import io.onceflow.core.PipelineConfigurationException;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keyed-state changelog topic: compacted, with the state of source partition {@code p} in its partition {@code
 * p}, so that claiming a source partition restores it from one changelog partition.
 *
 * <p>Not thread-safe: the transactional sink calls {@link #ensure} on its producer thread and {@link #restore} on its
 * recovery thread, each with clients of its own.
 */
final class Changelog {

    private static final Logger LOG = LoggerFactory.getLogger(Changelog.class);
    private static final Logger CHECKPOINT = LoggerFactory.getLogger("io.onceflow.CHECKPOINT");

    /** How long a restore waits at most for the commit markers of a transaction already committed. */
    private static final Duration MARKER_WAIT = Duration.ofSeconds(5);

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
        if (existing.isEmpty()) {
            if (!create) {
                throw new PipelineConfigurationException("pipeline '" + pipeline + "': the changelog topic '" + topic
                        + "' does not exist: create it compacted (cleanup.policy=compact) with as many partitions as"
                        + " the source topics, or let the sink create it (createChangelogTopic(true))");
            }
            int count = Math.max(needed, sourcePartitions(admin, partitions));
            NewTopic newTopic = new NewTopic(
                            topic,
                            Optional.of(count),
                            replicationFactor < 0 ? Optional.empty() : Optional.of(replicationFactor))
                    .configs(Map.of("cleanup.policy", "compact"));
            try {
                get(admin.createTopics(List.of(newTopic)).all());
                LOG.info("pipeline={} created the changelog topic {} with {} partitions", pipeline, topic, count);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            existing = partitionCount(admin);
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
        }
        knownPartitions = count;
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
     * Waits, a short bounded time, until no transaction is open on the changelog partitions (their last stable offset
     * has reached their end). The committed offsets the restore goes with were read as stable, but a transaction's
     * commit markers are written to its partitions independently: the offsets' marker may land before the
     * changelog's, and reading to the last stable offset in between would miss that transaction's state. A
     * transaction still open after the bound is not the committed one (a zombie's, which will be aborted): its
     * records are left out, as they must be.
     */
    private void awaitMarkers(Admin admin, Set<TopicPartition> partitions) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(partition -> latest.put(partition, OffsetSpec.latest()));
        long deadline = System.nanoTime() + Math.min(timeout.toNanos(), MARKER_WAIT.toNanos());
        while (true) {
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> stable =
                    get(admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                            .all());
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end =
                    get(admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED))
                            .all());
            List<TopicPartition> open = partitions.stream()
                    .filter(p -> stable.get(p).offset() < end.get(p).offset())
                    .toList();
            if (open.isEmpty() || System.nanoTime() > deadline) {
                if (!open.isEmpty()) {
                    CHECKPOINT.debug("pipeline={} changelog partitions {} hold an open transaction", pipeline, open);
                }
                return;
            }
            Thread.sleep(20); // blocking-ok: Onceflow's own recovery thread waits for commit markers (milliseconds)
        }
    }

    /**
     * The committed state of {@code partitions}: their changelog partitions read from the beginning to their end
     * (the last stable offset: a restore never sees an open or aborted transaction), last value per key, without
     * tombstones.
     */
    List<StateChange> restore(Admin admin, KafkaConsumer<byte[], byte[]> reader, Collection<SourcePartition> partitions)
            throws Exception {
        long start = System.nanoTime();
        Optional<Integer> count = partitionCount(admin);
        if (count.isEmpty() || partitions.isEmpty()) {
            return List.of();
        }
        Set<SourcePartition> wanted = new HashSet<>(partitions);
        Set<TopicPartition> read = new HashSet<>();
        for (SourcePartition partition : partitions) {
            if (partition.partition() < count.get()) {
                read.add(new TopicPartition(topic, partition.partition()));
            }
        }
        if (read.isEmpty()) {
            return List.of();
        }
        awaitMarkers(admin, read);
        reader.assign(read);
        reader.seekToBeginning(read);
        Map<TopicPartition, Long> ends = reader.endOffsets(read, timeout);
        Map<ChangelogKeys.Key, byte[]> state = new HashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        long records = 0;
        Set<TopicPartition> pending = new HashSet<>(read);
        while (true) {
            pending.removeIf(partition -> reader.position(partition, timeout) >= ends.get(partition));
            if (pending.isEmpty()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("restoring " + partitions + " from the changelog " + topic + " took longer"
                        + " than " + timeout + "; still to read: " + pending);
            }
            for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ofMillis(100))) {
                records++;
                ChangelogKeys.Key key = ChangelogKeys.decode(record.key());
                if (key == null || !wanted.contains(key.partition())) {
                    continue;
                }
                if (record.value() == null) {
                    state.remove(key);
                } else {
                    state.put(key, record.value());
                }
            }
        }
        reader.unsubscribe();
        List<StateChange> restored = new ArrayList<>(state.size());
        state.forEach((key, value) -> restored.add(new StateChange(key.operator(), key.partition(), key.key(), value)));
        CHECKPOINT.info(
                "pipeline={} restored {} state entries of {} from {} changelog records of {} in {} ms",
                pipeline,
                restored.size(),
                partitions,
                records,
                topic,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        return restored;
    }

    private <V> V get(org.apache.kafka.common.KafkaFuture<V> future) throws Exception {
        return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
