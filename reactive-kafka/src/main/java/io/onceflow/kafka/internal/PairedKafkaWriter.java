package io.onceflow.kafka.internal;

import io.onceflow.core.SourcePartition;
import java.util.List;

/**
 * A Kafka sink's writer, as the run's Kafka source finds it ({@link io.onceflow.core.SourceContext#commitPointWriter}):
 * the source binds itself when it opens, so that the writer can send or commit the source's offsets with its
 * consumer's group metadata, on its poll thread.
 */
interface PairedKafkaWriter {

    /**
     * Binds the run's source to this writer.
     *
     * @throws IllegalStateException when another source is bound already
     */
    void bindSource(KafkaSourceBinding source);

    /**
     * The source gave up {@code partitions} in a rebalance, after the checkpoint that closed them committed: what the
     * writer keeps of them for later checkpoints can go. Called on the poll thread, inside the revocation callback,
     * so before the consumer can be assigned them again; a claim then recovers them from scratch.
     */
    default void released(List<SourcePartition> partitions) {}
}
