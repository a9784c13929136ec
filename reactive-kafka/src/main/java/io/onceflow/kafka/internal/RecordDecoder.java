package io.onceflow.kafka.internal;

import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.Origin;
import io.onceflow.core.StreamElement;
import io.onceflow.core.internal.batch.RecordBatch;
import io.onceflow.kafka.Decoder;
import io.onceflow.kafka.DeserializationException;
import io.onceflow.kafka.IncomingRecord;
import io.onceflow.kafka.RecordFormat;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

/**
 * Turns a Kafka record into a {@link Data} with the source's {@link RecordFormat}, or into a {@link DeadLetter} with
 * the raw value and a {@link DeserializationException} naming the topic, partition and offset when it does not
 * decode (a value-only format also refuses tombstones).
 */
final class RecordDecoder<T> {

    static final String STAGE = "deserialize";

    private final RecordFormat<T> format;

    /**
     * The value format of a value-only record format, {@code null} for any other: decoded directly, without an
     * IncomingRecord per record, and refusing tombstones.
     */
    private final @Nullable Decoder<T> valueFormat;

    RecordDecoder(RecordFormat<T> format) {
        this.format = format;
        this.valueFormat = format instanceof RecordFormat.ValueOnly<T> only ? only.format() : null;
    }

    StreamElement<T> decode(ConsumerRecord<byte[], byte[]> record) {
        Object decoded = decodedOrFailed(record);
        if (decoded instanceof Failed failed) {
            return failed.deadLetter().cast();
        }
        @SuppressWarnings("unchecked")
        T value = (T) decoded;
        return new Data<>(value, new Origin(record.topic(), record.partition(), record.offset(), record.timestamp()));
    }

    /** Appends the record to {@code batch} (of its partition): its value, or its dead letter in its place. */
    void decodeInto(ConsumerRecord<byte[], byte[]> record, RecordBatch<T> batch) {
        Object decoded = decodedOrFailed(record);
        if (decoded instanceof Failed failed) {
            batch.addDeadLetter(failed.deadLetter());
        } else {
            @SuppressWarnings("unchecked")
            T value = (T) decoded;
            batch.add(value, record.offset(), record.timestamp()); // no Origin until something asks for one
        }
    }

    /** A record that did not decode; only this class makes one, so no decoded value is mistaken for it. */
    private record Failed(DeadLetter<?> deadLetter) {}

    /** The record's value, or the {@link Failed} dead letter that says why it has none. */
    private Object decodedOrFailed(ConsumerRecord<byte[], byte[]> record) {
        byte[] value = record.value();
        if (value == null && valueFormat != null) {
            Origin origin = origin(record);
            return new Failed(new DeadLetter<>(
                    origin,
                    STAGE,
                    null,
                    new DeserializationException(origin, "the record has no value (a tombstone)", null)));
        }
        try {
            T decoded = valueFormat != null
                    ? valueFormat.decode(value)
                    : format.decode(new IncomingRecord(
                            record.topic(),
                            record.partition(),
                            record.offset(),
                            record.timestamp(),
                            record.key(),
                            value,
                            record.headers()));
            if (decoded == null) {
                Origin origin = origin(record);
                return new Failed(new DeadLetter<>(
                        origin, STAGE, value, new DeserializationException(origin, format + " returned null", null)));
            }
            return decoded;
        } catch (RuntimeException e) {
            Origin origin = origin(record);
            return new Failed(new DeadLetter<>(
                    origin,
                    STAGE,
                    value,
                    new DeserializationException(origin, format + " failed: " + firstLine(e.getMessage()), e)));
        }
    }

    private static Origin origin(ConsumerRecord<byte[], byte[]> record) {
        return new Origin(record.topic(), record.partition(), record.offset(), record.timestamp());
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
