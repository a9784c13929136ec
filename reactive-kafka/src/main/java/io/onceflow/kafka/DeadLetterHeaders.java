package io.onceflow.kafka;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.jspecify.annotations.Nullable;

/**
 * The headers of a record in a dead-letter topic, all UTF-8 text.
 *
 * <p>The record's value is what failed: the raw bytes of a record that could not be decoded, or the JSON of the
 * value an operator failed on (its {@code toString()} when it is not serializable). Its key is the origin,
 * {@code topic-partition@offset}.
 *
 * @since 0.1
 */
public final class DeadLetterHeaders {

    /** The failure's class name. */
    public static final String ERROR_CLASS = "onceflow.error.class";
    /** The failure's message. */
    public static final String ERROR_MESSAGE = "onceflow.error.message";
    /** The top frames of the failure's stack and its causes. */
    public static final String ERROR_STACK = "onceflow.error.stack";
    /** Where it failed: {@code deserialize}, an operator such as {@code map}, or {@code kafka-sink}. */
    public static final String STAGE = "onceflow.stage";
    /** The topic the poison record was read from. */
    public static final String ORIGIN_TOPIC = "onceflow.origin.topic";
    /** Its partition. */
    public static final String ORIGIN_PARTITION = "onceflow.origin.partition";
    /** Its offset. */
    public static final String ORIGIN_OFFSET = "onceflow.origin.offset";
    /** Its timestamp, epoch milliseconds. */
    public static final String ORIGIN_TIMESTAMP = "onceflow.origin.timestamp";
    /** The pipeline that dead-lettered it. */
    public static final String PIPELINE = "onceflow.pipeline";
    /** The checkpoint it was committed with. */
    public static final String CHECKPOINT = "onceflow.checkpoint";
    /**
     * {@code true} when the record's value holds only the first bytes of the payload: a dead letter must always fit
     * its topic, so a payload over the limit is cut, its full length and SHA-256 kept beside it.
     */
    public static final String PAYLOAD_TRUNCATED = "onceflow.payload.truncated";
    /** The payload's full length in bytes, when it was cut. */
    public static final String PAYLOAD_LENGTH = "onceflow.payload.length";
    /** The SHA-256 of the full payload, hex, when it was cut: to match it against the record it came from. */
    public static final String PAYLOAD_SHA256 = "onceflow.payload.sha256";

    private DeadLetterHeaders() {}

    /** The Onceflow headers of a dead-letter record, by name, as text; others are left out. */
    public static Map<String, String> read(Headers headers) {
        Map<String, String> read = new LinkedHashMap<>();
        for (Header header : headers) {
            if (header.key().startsWith("onceflow.") && header.value() != null) {
                read.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
            }
        }
        return read;
    }

    /** One header's text, or {@code null} when it is absent. */
    public static @Nullable String get(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
