package io.onceflow.kafka.internal;

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
}
