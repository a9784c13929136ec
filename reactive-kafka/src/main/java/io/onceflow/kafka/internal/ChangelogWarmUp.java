package io.onceflow.kafka.internal;

import io.onceflow.core.Marker;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.TransientFailureException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The at-least-once writer's first record to each changelog partition, alone, acknowledged before any other is sent
 * there.
 *
 * <p>An idempotent producer with several requests in flight to a partition the broker has just created can lose the
 * first of them for good (KAFKA-15591, fixed in brokers after 4.1): it fails with {@code NOT_LEADER_OR_FOLLOWER}
 * while the partition is being created, a later request is accepted as the partition's first, and the retries of the
 * first then meet {@code OUT_OF_ORDER_SEQUENCE_NUMBER} until the delivery timeout. The sink creates the changelog
 * topic (or adds partitions) and writes to it at once, so it would meet this on its first checkpoint with state. One
 * record sent alone and acknowledged first makes the partition known to the broker and starts the producer's
 * sequence there. The record is the partition's checkpoint record, as of the checkpoint that last wrote its state (or
 * 0), which a restore already holds: it changes nothing a restore reads.
 */
final class ChangelogWarmUp {

    private final Changelog changelog;
    private final Admin admin;
    private final Supplier<Producer<byte[], byte[]>> producer;
    private final StateCheckpoints stateCheckpoints;
    private final Duration timeout;
    private final Set<Integer> warm = new HashSet<>();

    ChangelogWarmUp(
            Changelog changelog,
            Admin admin,
            Supplier<Producer<byte[], byte[]>> producer,
            StateCheckpoints stateCheckpoints,
            Duration timeout) {
        this.changelog = changelog;
        this.admin = admin;
        this.producer = producer;
        this.stateCheckpoints = stateCheckpoints;
        this.timeout = timeout;
    }

    /** On the producer thread: the changelog partitions the marker's state goes to, each written once first. */
    void warmUp(Marker<?> marker) throws Exception {
        Set<SourcePartition> cold = new LinkedHashSet<>(CheckpointRecords.statePartitions(marker));
        cold.removeIf(partition -> warm.contains(partition.partition()));
        if (cold.isEmpty()) {
            return;
        }
        changelog.ensure(admin, cold);
        Producer<byte[], byte[]> client = producer.get();
        List<Future<RecordMetadata>> sent = new ArrayList<>(cold.size());
        for (SourcePartition partition : cold) {
            sent.add(client.send(changelog.checkpointRecord(partition, stateCheckpoints.of(partition))));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Future<RecordMetadata> future : sent) {
            try {
                future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            } catch (TimeoutException e) {
                throw new TransientFailureException(
                        "the first record to the changelog " + changelog.topic() + " was not acknowledged within "
                                + timeout,
                        e);
            }
        }
        cold.forEach(partition -> warm.add(partition.partition()));
    }
}
