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
    void aPayloadOverTheLimitIsCutAndItsLengthAndHashKept() throws Exception {
        // a malformed record just under 1 MiB was read fine, and its dead letter was too large for the producer
        byte[] raw = new byte[1_000_000];
        java.util.Arrays.fill(raw, (byte) 'x');
        ProducerRecord<byte[], byte[]> record = DeadLetterRecords.record(
                "dead", new DeadLetter<Object>(ORIGIN, "deserialize", raw, new RuntimeException("bad")), "ledger", 3);
        assertThat(record.value()).hasSize(DeadLetterRecords.MAX_PAYLOAD_BYTES);
        Map<String, String> headers = DeadLetterHeaders.read(record.headers());
        assertThat(headers)
                .containsEntry(DeadLetterHeaders.PAYLOAD_TRUNCATED, "true")
                .containsEntry(DeadLetterHeaders.PAYLOAD_LENGTH, "1000000")
                .containsEntry(
                        DeadLetterHeaders.PAYLOAD_SHA256,
                        java.util.HexFormat.of()
                                .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                        .digest(raw)));
        int size = record.value().length + record.key().length;
        for (var header : record.headers()) {
            size += header.key().length() + header.value().length;
        }
        assertThat(size).as("the whole dead letter").isLessThan(128 * 1024);
        // a payload within the limit travels whole, without those headers
        ProducerRecord<byte[], byte[]> small = DeadLetterRecords.record(
                "dead",
                new DeadLetter<Object>(ORIGIN, "deserialize", new byte[] {1}, new RuntimeException("bad")),
                "l",
                1);
        assertThat(DeadLetterHeaders.read(small.headers())).doesNotContainKey(DeadLetterHeaders.PAYLOAD_TRUNCATED);
    }

    @Test
    void readKeepsOnlyOnceflowHeaders() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("traceparent", "00-abc".getBytes(StandardCharsets.UTF_8));
        headers.add(DeadLetterHeaders.STAGE, "map".getBytes(StandardCharsets.UTF_8));
        assertThat(DeadLetterHeaders.read(headers)).containsExactly(Map.entry(DeadLetterHeaders.STAGE, "map"));
    }
}
