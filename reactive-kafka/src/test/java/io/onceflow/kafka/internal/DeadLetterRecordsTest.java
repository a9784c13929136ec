package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.core.DeadLetter;
import io.onceflow.core.Origin;
import io.onceflow.kafka.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class DeadLetterRecordsTest {

    record Payment(long id, String account) {}

    private static final Origin ORIGIN = new Origin("payments", 2, 41, 1_700_000_000_000L);

    @Test
    void headersCarryTheErrorAndTheOrigin() {
        DeadLetter<Object> deadLetter =
                new DeadLetter<>(ORIGIN, "map", new Payment(1, "boom"), new IllegalStateException("boom: refused"));
        ProducerRecord<byte[], byte[]> record = DeadLetterRecords.record("dlq", deadLetter, "ledger", 12);

        assertThat(record.topic()).isEqualTo("dlq");
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("payments-2@41");
        assertThat(new String(record.value(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":1,\"account\":\"boom\"}");
        Map<String, String> headers = DeadLetterHeaders.read(record.headers());
        assertThat(headers)
                .containsEntry(DeadLetterHeaders.ERROR_CLASS, IllegalStateException.class.getName())
                .containsEntry(DeadLetterHeaders.ERROR_MESSAGE, "boom: refused")
                .containsEntry(DeadLetterHeaders.STAGE, "map")
                .containsEntry(DeadLetterHeaders.ORIGIN_TOPIC, "payments")
                .containsEntry(DeadLetterHeaders.ORIGIN_PARTITION, "2")
                .containsEntry(DeadLetterHeaders.ORIGIN_OFFSET, "41")
                .containsEntry(DeadLetterHeaders.ORIGIN_TIMESTAMP, "1700000000000")
                .containsEntry(DeadLetterHeaders.PIPELINE, "ledger")
                .containsEntry(DeadLetterHeaders.CHECKPOINT, "12");
        assertThat(headers.get(DeadLetterHeaders.ERROR_STACK)).startsWith("java.lang.IllegalStateException: boom");
        assertThat(DeadLetterHeaders.get(record.headers(), DeadLetterHeaders.ORIGIN_OFFSET))
                .isEqualTo("41");
        assertThat(DeadLetterHeaders.get(record.headers(), "absent")).isNull();
    }

    @Test
    void rawBytesStayAsTheyWere() {
        byte[] raw = {'{', 'x'};
        DeadLetter<Object> deadLetter = new DeadLetter<>(ORIGIN, "deserialize", raw, new RuntimeException("bad"));
        assertThat(DeadLetterRecords.record("dlq", deadLetter, "p", 1).value()).isSameAs(raw);
    }

    @Test
    void payloadWithoutJsonFallsBackToText() {
        Object unserializable = new Object() {
            @SuppressWarnings("unused")
            public Object getSelf() {
                return this;
            }

            @Override
            public String toString() {
                return "the value";
            }
        };
        assertThat(new String(DeadLetterRecords.payload(unserializable), StandardCharsets.UTF_8))
                .isEqualTo("the value");
        assertThat(DeadLetterRecords.payload(null)).isEmpty();
    }

    @Test
    void longHeadersAreTruncatedWithinTheirBound() {
        String huge = "é".repeat(DeadLetterRecords.MAX_HEADER_BYTES);
        byte[] value = DeadLetterRecords.header("h", huge).value();
        assertThat(value.length).isLessThanOrEqualTo(DeadLetterRecords.MAX_HEADER_BYTES);
        assertThat(new String(value, StandardCharsets.UTF_8)).endsWith("...[truncated]");
    }

    @Test
    void readKeepsOnlyOnceflowHeaders() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("traceparent", "00-abc".getBytes(StandardCharsets.UTF_8));
        headers.add(DeadLetterHeaders.STAGE, "map".getBytes(StandardCharsets.UTF_8));
        assertThat(DeadLetterHeaders.read(headers)).containsExactly(Map.entry(DeadLetterHeaders.STAGE, "map"));
    }
}
