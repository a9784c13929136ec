package io.onceflow.kafka.internal;

import io.onceflow.core.Data;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSinkOptions;
import java.util.function.Function;
import org.apache.kafka.clients.producer.ProducerRecord;

/** How a Kafka sink turns a pipeline record into the bytes it sends: the record function, then the formats. */
final class OutputRecords {

    private OutputRecords() {}

    /**
     * The producer record of {@code record}, with the record's timestamp.
     *
     * @throws RuntimeException what the record function or a format threw, a {@link NullPointerException} when the
     *     record function returned {@code null}, or a {@link org.apache.kafka.common.errors.RecordTooLargeException}
     *     when the producer would refuse the record's size ({@link RecordSizeLimit}): the record is a poison record
     */
    static <T> ProducerRecord<byte[], byte[]> encode(
            KafkaSinkOptions options,
            RecordSizeLimit limit,
            Function<? super T, KafkaRecord> toRecord,
            Data<T> record) {
        KafkaRecord target = toRecord.apply(record.value());
        if (target == null) {
            throw new NullPointerException("the sink's record function returned null");
        }
        Object key = target.key();
        long timestamp = record.origin().timestamp();
        return limit.check(new ProducerRecord<>(
                target.topic(),
                null,
                timestamp >= 0 ? timestamp : null,
                key == null ? null : options.keyFormat().encode(key),
                options.valueFormat().encode(target.value())));
    }
}
