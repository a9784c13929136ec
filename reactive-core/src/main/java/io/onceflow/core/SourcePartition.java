package io.onceflow.core;

import static java.util.Objects.requireNonNull;

/**
 * One ordered, replayable partition of a source, such as a Kafka topic partition.
 *
 * <p>Positions, keyed state and ownership are all scoped to a source partition: state for a key lives in the
 * partition its records come from, the way Kafka Streams scopes state to a task.
 *
 * @param source the source's name, for Kafka the topic
 * @param partition the partition number, zero or more
 * @since 0.1
 */
public record SourcePartition(String source, int partition) implements Comparable<SourcePartition> {

    public SourcePartition {
        requireNonNull(source, "source");
        if (source.isEmpty()) {
            throw new IllegalArgumentException("source must not be empty");
        }
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, was " + partition);
        }
    }

    /** Shorthand for {@code new SourcePartition(source, partition)}. */
    public static SourcePartition of(String source, int partition) {
        return new SourcePartition(source, partition);
    }

    @Override
    public int compareTo(SourcePartition other) {
        int bySource = source.compareTo(other.source);
        return bySource != 0 ? bySource : Integer.compare(partition, other.partition);
    }

    @Override
    public String toString() {
        return source + "-" + partition;
    }
}
