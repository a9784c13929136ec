package io.onceflow.core;

import static java.util.Objects.requireNonNull;

/**
 * Where a record came from: its source partition, offset and event timestamp.
 *
 * <p>Every record keeps its origin through all operators; a record derived from another (by {@code map},
 * {@code flatMap}, {@code keyed}) inherits it. The origin is what a dead-letter entry, a log line and an
 * idempotent version refer to, and the timestamp is the only clock event-time operators read, so that a replay
 * reproduces the same output.
 *
 * @param source the source's name, for Kafka the topic
 * @param partition the partition number
 * @param offset the record's offset in its partition
 * @param timestamp the event time in epoch milliseconds
 * @since 0.1
 */
public record Origin(String source, int partition, long offset, long timestamp) {

    public Origin {
        requireNonNull(source, "source");
        if (source.isEmpty()) {
            throw new IllegalArgumentException("source must not be empty");
        }
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, was " + partition);
        }
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, was " + offset);
        }
    }

    /** The source partition this record was read from. */
    public SourcePartition sourcePartition() {
        return new SourcePartition(source, partition);
    }

    /** The position just after this record, where a replay resumes once this record is committed. */
    public long nextOffset() {
        return offset + 1;
    }

    /** {@code topic-partition@offset}, the form every Onceflow log line and error message uses. */
    @Override
    public String toString() {
        return source + "-" + partition + "@" + offset;
    }
}
