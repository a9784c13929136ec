package io.onceflow.core;

/**
 * Which partition of a source the records of a key are produced to: what lets a keyed operator check that a record
 * belongs to the partition it was read from.
 *
 * <p>Keyed state lives with the source partition (like a Kafka Streams task), so all records of a key must come from
 * one partition. A record of key {@code acct-001} produced to another partition (with another key, or none) would
 * otherwise start a second copy of {@code acct-001}'s state there, and its outputs would overwrite the first copy's.
 * With a partitioner, {@link Keyed#partitionedBy} dead-letters such a record with a reason instead. For Kafka,
 * {@code KafkaPartitioners} in {@code reactive-kafka} gives the partitioner of Kafka's default producer.
 *
 * @param <K> the key type
 * @since 0.2
 */
@FunctionalInterface
public interface KeyPartitioner<K> {

    /**
     * The partition, from 0 to {@code partitions - 1}, that the records of {@code key} are produced to.
     *
     * @param partitions how many partitions the source topic has
     */
    int partition(K key, int partitions);
}
