package io.onceflow.kafka.internal;

import org.apache.kafka.common.TopicPartition;

/**
 * Decides, for one partition, which of the records the consumer returned the source may emit.
 *
 * <p>Records travel from the consumer's poll thread to the pipeline through queues, strictly in the order polls
 * returned them. When a partition is revoked and later assigned again within one run, records fetched under the old
 * assignment may still be queued, while the partition is re-read from its committed position: they must be dropped,
 * or the pipeline would see offsets twice (or skip some). The gate counts records per partition at both ends of the
 * queues: the poll thread counts what polls returned ({@link #returned}); at an assignment it notes that count
 * ({@link #staleBefore}); the source run counts what leaves the last of those queues, its merge ({@link #seen}). A
 * record whose index is below {@code staleBefore} was returned before the assignment, and is dropped.
 *
 * <p>{@link #owned} and {@link #staleBefore} change under the source run's gate lock, which the merge's drain also
 * holds while it checks and emits a record into the source stage, which counts it in the same call: a revocation or
 * assignment therefore never interleaves with an emission, and no admitted record waits in a queue of the source.
 */
final class PartitionGate {

    final TopicPartition partition;

    /** Records of this partition polls have returned in this run (poll thread only). */
    long returned;

    /** Records of this partition that have left the run's merge in this run (its drain only, which is serial). */
    long seen;

    /** Index of the first record returned under the current assignment. */
    volatile long staleBefore;

    /** Whether the run owns the partition now. */
    volatile boolean owned;

    /**
     * How many times the run has been assigned the partition: a checkpoint read under one assignment must not commit
     * offsets under a later one (the partition went to another owner and came back meanwhile).
     */
    volatile long ownership;

    PartitionGate(TopicPartition partition) {
        this.partition = partition;
    }

    /** Whether the record with this index (in the order polls returned them) may be emitted; under the lock. */
    boolean admits(long index) {
        return owned && index >= staleBefore;
    }
}
