package io.onceflow.kafka;

/**
 * Turns a record key's or value's bytes into a value: what a {@link KafkaSource} needs of a {@link Format}.
 *
 * <p>May throw on malformed input: the source then turns the record into a dead letter whose error names the topic,
 * partition and offset. Implementations must be thread-safe.
 *
 * <pre>{@code
 * Decoder<Long> counts = bytes -> Long.parseLong(new String(bytes, StandardCharsets.US_ASCII));
 * KafkaSourceOptions.builder().topics("counts").valueFormat(counts)
 * }</pre>
 *
 * @param <T> the type of the values
 * @since 0.2
 */
@FunctionalInterface
public interface Decoder<T> {

    /** The value read from {@code bytes}. */
    T decode(byte[] bytes);
}
