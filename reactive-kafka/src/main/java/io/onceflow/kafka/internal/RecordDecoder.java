package io.onceflow.kafka.internal;

import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.Origin;
import io.onceflow.core.StreamElement;
import io.onceflow.kafka.DeserializationException;
import io.onceflow.kafka.Format;
import org.jspecify.annotations.Nullable;

/**
 * Turns a Kafka record's value into a {@link Data}, or into a {@link DeadLetter} with the raw bytes and a {@link
 * DeserializationException} naming the topic, partition and offset when the value does not decode (or is missing).
 */
final class RecordDecoder<T> {

    static final String STAGE = "deserialize";

    private final Format<T> format;

    RecordDecoder(Format<T> format) {
        this.format = format;
    }

    StreamElement<T> decode(String topic, int partition, long offset, long timestamp, byte @Nullable [] value) {
        Origin origin = new Origin(topic, partition, offset, timestamp);
        if (value == null) {
            return new DeadLetter<>(
                    origin,
                    STAGE,
                    null,
                    new DeserializationException(origin, "the record has no value (a tombstone)", null));
        }
        try {
            T decoded = format.decode(value);
            if (decoded == null) {
                return new DeadLetter<>(
                        origin, STAGE, value, new DeserializationException(origin, format + " returned null", null));
            }
            return new Data<>(decoded, origin);
        } catch (RuntimeException e) {
            return new DeadLetter<>(
                    origin,
                    STAGE,
                    value,
                    new DeserializationException(origin, format + " failed: " + firstLine(e.getMessage()), e));
        }
    }

    /** Jackson's messages run over several lines (source excerpts, reference chains): the first says it. */
    private static String firstLine(@Nullable String message) {
        if (message == null) {
            return "no message";
        }
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }
}
