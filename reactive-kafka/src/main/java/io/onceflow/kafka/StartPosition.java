package io.onceflow.kafka;

/**
 * Where a {@link KafkaSource} starts reading a partition that has no committed position yet (and where it resumes
 * when its committed position is no longer in the log).
 *
 * @since 0.1
 */
public enum StartPosition {
    /** The oldest record still in the partition. */
    EARLIEST,
    /** The end of the partition: only records written from now on. */
    LATEST
}
