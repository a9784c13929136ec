package io.onceflow.kafka.internal;

import io.onceflow.kafka.KafkaSinkOptions;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;

/**
 * The largest record a Kafka sink's producer sends: its {@code max.request.size} (1 MiB unless configured), and its
 * {@code buffer.memory} if that is smaller, each record counted as the producer counts it.
 *
 * <p>Why the sink checks first: in a transaction, the producer refuses a larger record by putting the transaction in
 * error, so the checkpoint fails; the restart replays the same record and fails again, for ever. Checked here, an
 * output record over the limit is a poison record (a dead letter, with the others committed), and a changelog record
 * over it stops the pipeline with what it holds (see {@link CheckpointRecords}).
 *
 * <p>The broker has a limit of its own, the topic's {@code max.message.bytes} (1 MiB by default): a producer allowed
 * larger records than a topic takes sends them, and the broker's refusal fails the checkpoint as before.
 */
final class RecordSizeLimit {

    /** Kafka's default {@code max.request.size}. */
    static final int DEFAULT_MAX_REQUEST_SIZE = 1024 * 1024;

    /** Kafka's default {@code buffer.memory}. */
    static final long DEFAULT_BUFFER_MEMORY = 32L * 1024 * 1024;

    private final int maxBytes;

    RecordSizeLimit(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The limit of the sink's producer, from the properties it is given ({@link TransactionalClients}). */
    static RecordSizeLimit of(KafkaSinkOptions options) {
        // the user's client properties, then its producer properties: the precedence both sinks' producers get
        Map<String, Object> producer = TransactionalClients.idempotentProducer(options, "record-size-limit");
        long maxRequestSize = setting(producer, "max.request.size", DEFAULT_MAX_REQUEST_SIZE);
        long bufferMemory = setting(producer, "buffer.memory", DEFAULT_BUFFER_MEMORY);
        return new RecordSizeLimit((int) Math.min(Integer.MAX_VALUE, Math.min(maxRequestSize, bufferMemory)));
    }

    int maxBytes() {
        return maxBytes;
    }

    /** The size the producer counts for {@code record} against its limits: the record in a batch of its own. */
    static int sizeOf(ProducerRecord<byte[], byte[]> record) {
        // the current batch format's bound does not depend on compression: the producer checks before compressing
        return AbstractRecords.estimateSizeInBytesUpperBound(
                RecordBatch.CURRENT_MAGIC_VALUE,
                CompressionType.NONE,
                record.key(),
                record.value(),
                record.headers().toArray());
    }

    boolean fits(ProducerRecord<byte[], byte[]> record) {
        return sizeOf(record) <= maxBytes;
    }

    /**
     * Returns {@code record} if the producer will take it.
     *
     * @throws RecordTooLargeException naming the topic, the record's size and the limit, when it will not
     */
    ProducerRecord<byte[], byte[]> check(ProducerRecord<byte[], byte[]> record) {
        int size = sizeOf(record);
        if (size > maxBytes) {
            throw new RecordTooLargeException(String.format(
                    Locale.ROOT,
                    "the record for topic %s is %,d bytes (key %,d, value %,d), over the %,d bytes the sink's"
                            + " producer sends in one record (max.request.size)",
                    record.topic(),
                    size,
                    record.key() == null ? 0 : record.key().length,
                    record.value() == null ? 0 : record.value().length,
                    maxBytes));
        }
        return record;
    }

    private static long setting(Map<String, Object> producer, String name, long otherwise) {
        Object value = producer.get(name);
        if (value == null) {
            return otherwise;
        }
        try {
            return Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            return otherwise; // the producer refuses the setting itself, with its own message
        }
    }
}
