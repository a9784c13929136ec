package io.onceflow.kafka.internal;

import io.onceflow.core.DeadLetter;
import io.onceflow.core.internal.text.PayloadCut;
import io.onceflow.core.internal.text.Utf8Text;
import io.onceflow.kafka.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.jspecify.annotations.Nullable;

/** Turns a {@link DeadLetter} into a record of the dead-letter topic; see {@link DeadLetterHeaders}. */
final class DeadLetterRecords {

    /** Header values are kept below this many UTF-8 bytes; Kafka has no hard limit, but brokers cap records. */
    static final int MAX_HEADER_BYTES = 8 * 1024;

    /**
     * Payloads are cut to this many bytes: with the headers (each under {@link #MAX_HEADER_BYTES}), a dead letter
     * stays far under the producer's {@code max.request.size} and the broker's {@code message.max.bytes} (1 MiB by
     * default), so that a record just under the limit, read fine, cannot make a dead letter the producer refuses
     * (which fails the transaction, and the pipeline with it, at every restart).
     */
    static final int MAX_PAYLOAD_BYTES = 64 * 1024;

    private DeadLetterRecords() {}

    static ProducerRecord<byte[], byte[]> record(
            String topic, DeadLetter<?> deadLetter, String pipeline, long checkpointId) {
        List<Header> headers = new ArrayList<>(10);
        headers.add(header(DeadLetterHeaders.ERROR_CLASS, deadLetter.errorClass()));
        headers.add(header(DeadLetterHeaders.ERROR_MESSAGE, deadLetter.errorMessage()));
        headers.add(header(DeadLetterHeaders.ERROR_STACK, deadLetter.stackSummary()));
        headers.add(header(DeadLetterHeaders.STAGE, deadLetter.stage()));
        headers.add(header(DeadLetterHeaders.ORIGIN_TOPIC, deadLetter.origin().source()));
        headers.add(header(
                DeadLetterHeaders.ORIGIN_PARTITION,
                String.valueOf(deadLetter.origin().partition())));
        headers.add(header(
                DeadLetterHeaders.ORIGIN_OFFSET,
                String.valueOf(deadLetter.origin().offset())));
        headers.add(header(
                DeadLetterHeaders.ORIGIN_TIMESTAMP,
                String.valueOf(deadLetter.origin().timestamp())));
        headers.add(header(DeadLetterHeaders.PIPELINE, pipeline));
        headers.add(header(DeadLetterHeaders.CHECKPOINT, String.valueOf(checkpointId)));
        byte[] key = deadLetter.origin().toString().getBytes(StandardCharsets.UTF_8);
        PayloadCut payload = PayloadCut.of(payload(deadLetter.payload()), MAX_PAYLOAD_BYTES);
        if (payload.cut()) {
            headers.add(header(DeadLetterHeaders.PAYLOAD_TRUNCATED, "true"));
            headers.add(header(DeadLetterHeaders.PAYLOAD_LENGTH, String.valueOf(payload.length())));
            headers.add(header(DeadLetterHeaders.PAYLOAD_SHA256, payload.sha256()));
        }
        return new ProducerRecord<>(topic, null, null, key, payload.head(), headers);
    }

    /** The payload as bytes: raw bytes as they are, anything else as JSON, or as text when JSON fails. */
    static byte[] payload(@Nullable Object payload) {
        if (payload == null) {
            return new byte[0];
        }
        if (payload instanceof byte[] bytes) {
            return bytes;
        }
        try {
            return JsonFormat.ANY.encode(payload);
        } catch (RuntimeException notSerializable) {
            return String.valueOf(payload).getBytes(StandardCharsets.UTF_8);
        }
    }

    static Header header(String name, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_HEADER_BYTES) {
            String cut = new String(bytes, 0, Utf8Text.boundary(bytes, MAX_HEADER_BYTES - 16), StandardCharsets.UTF_8)
                    + "...[truncated]";
            bytes = cut.getBytes(StandardCharsets.UTF_8);
        }
        return new RecordHeader(name, bytes);
    }
}
