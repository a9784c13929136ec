package io.onceflow.kafka;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * One record for a {@link KafkaTransactionalSink} to write: what a pipeline's output value becomes.
 *
 * <pre>{@code
 * KafkaTransactionalSink.create(payments, options, balance -> KafkaRecord.of("balances", balance.account(), balance))
 * }</pre>
 *
 * @param topic the topic to write to
 * @param key the key, encoded with the sink's key format (by default: bytes as they are, text as UTF-8, anything else
 *     as JSON); {@code null} for none
 * @param value the value, encoded with the sink's value format (by default: bytes as they are, anything else as JSON)
 * @since 0.1
 */
public record KafkaRecord(String topic, @Nullable Object key, Object value) {

    public KafkaRecord {
        requireNonNull(topic, "topic");
        requireNonNull(value, "value");
        if (topic.isEmpty()) {
            throw new IllegalArgumentException("topic must not be empty");
        }
    }

    /** A record with a key. */
    public static KafkaRecord of(String topic, @Nullable Object key, Object value) {
        return new KafkaRecord(topic, key, value);
    }

    /** A record without a key: the producer's partitioner spreads such records. */
    public static KafkaRecord of(String topic, Object value) {
        return new KafkaRecord(topic, null, value);
    }
}
