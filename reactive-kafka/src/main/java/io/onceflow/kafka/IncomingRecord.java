package io.onceflow.kafka;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.jspecify.annotations.Nullable;

/**
 * A record as the {@link KafkaSource} read it, before decoding: what a {@link RecordFormat} gets when the value alone
 * is not enough (the key, a header, the timestamp).
 *
 * <p>The arrays are the consumer's own: a format must not modify them. Like every Java record with array
 * components, two instances are equal only when they hold the same arrays.
 *
 * @param topic the topic
 * @param partition the partition
 * @param offset the record's offset
 * @param timestamp the record's timestamp (create or log-append time, as the topic is configured)
 * @param key the key's bytes, or {@code null} for a record without a key
 * @param value the value's bytes, or {@code null} for a tombstone
 * @param headers the record's headers, read-only
 * @since 0.1
 */
public record IncomingRecord(
        String topic,
        int partition,
        long offset,
        long timestamp,
        byte @Nullable [] key,
        byte @Nullable [] value,
        Headers headers) {

    public IncomingRecord {
        requireNonNull(topic, "topic");
        requireNonNull(headers, "headers");
    }

    /** The key as UTF-8 text, or {@code null} for a record without a key. */
    public @Nullable String keyAsString() {
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }

    /**
     * The last header called {@code name} as UTF-8 text (Kafka allows repeats; the last one wins, as in
     * {@link Headers#lastHeader}), or {@code null} when there is none or its value is null.
     */
    public @Nullable String header(String name) {
        Header header = headers.lastHeader(requireNonNull(name, "name"));
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
