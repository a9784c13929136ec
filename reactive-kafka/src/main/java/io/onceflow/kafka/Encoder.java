package io.onceflow.kafka;

/**
 * Turns a value into the bytes of a record key or value: what a {@link KafkaTransactionalSink} needs of a
 * {@link Format}.
 *
 * <p>May throw: the sink then dead-letters the record it was given (or fails the checkpoint when it has no
 * dead-letter topic). Implementations must be thread-safe.
 *
 * <pre>{@code
 * Encoder<Long> counts = count -> Long.toString(count).getBytes(StandardCharsets.US_ASCII);
 * KafkaSinkOptions.builder().valueFormat(counts)
 * }</pre>
 *
 * @param <T> the type of the values
 * @since 0.2
 */
@FunctionalInterface
public interface Encoder<T> {

    /** The value's bytes. */
    byte[] encode(T value);
}
