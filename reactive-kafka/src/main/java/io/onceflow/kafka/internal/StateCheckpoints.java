package io.onceflow.kafka.internal;

import io.onceflow.core.SourcePartition;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * For each partition a {@link TransactionalWriter} has claimed, the last checkpoint whose transaction wrote its state
 * to the changelog: from the committed offsets' metadata at the claim, then from the writer's commits. It goes into
 * the metadata of every offset the writer commits, for the next owner's restore to check the changelog against.
 */
final class StateCheckpoints {

    private final Map<SourcePartition, Long> checkpoints = new ConcurrentHashMap<>();

    /** On the recovery thread: the partition was claimed with state as of {@code checkpointId} (0: none). */
    void claimed(SourcePartition partition, long checkpointId) {
        checkpoints.put(partition, checkpointId);
    }

    /** On the producer thread: checkpoint {@code checkpointId} committed state of {@code partitions}. */
    void committed(Collection<SourcePartition> partitions, long checkpointId) {
        for (SourcePartition partition : partitions) {
            checkpoints.put(partition, checkpointId);
        }
    }

    /** The last checkpoint that wrote the partition's state, 0 if none did. */
    long of(SourcePartition partition) {
        return checkpoints.getOrDefault(partition, 0L);
    }
}
