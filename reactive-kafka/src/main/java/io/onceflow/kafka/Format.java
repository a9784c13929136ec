package io.onceflow.kafka;

import io.onceflow.kafka.internal.Formats;

/**
 * Turns record keys or values into bytes and back: the serdes of the Kafka source and sink, a {@link Decoder} and an
 * {@link Encoder} in one. A source needs only a decoder and a sink only an encoder: a one-way format can be either,
 * written as a lambda.
 *
 * <p>{@link #decode} may throw on malformed input: the {@link KafkaSource} then turns the record into a dead letter
 * whose error names the topic, partition and offset. {@link #encode} may throw too: the
 * {@link KafkaTransactionalSink} then dead-letters the record it was given (or fails the checkpoint when it has no
 * dead-letter topic). Implementations must be thread-safe.
 *
 * <pre>{@code
 * Format<Payment> payments = Json.of(Payment.class);
 * }</pre>
 *
 * @param <T> the type of the values
 * @since 0.1
 */
public interface Format<T> extends Decoder<T>, Encoder<T> {

    /** The value read from {@code bytes}. */
    @Override
    T decode(byte[] bytes);

    /** The value's bytes. */
    @Override
    byte[] encode(T value);

    /** A format of a decoder and an encoder written apart. */
    static <T> Format<T> of(Decoder<T> decoder, Encoder<T> encoder) {
        return Formats.of(decoder, encoder);
    }

    /** Bytes as they are: decoding and encoding return the array given. */
    static Format<byte[]> bytes() {
        return Formats.BYTES;
    }

    /** Text as UTF-8. */
    static Format<String> utf8() {
        return Formats.UTF8;
    }
}
