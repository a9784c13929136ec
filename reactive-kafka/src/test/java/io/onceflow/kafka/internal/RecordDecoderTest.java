package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.Origin;
import io.onceflow.core.StreamElement;
import io.onceflow.kafka.DeserializationException;
import io.onceflow.kafka.Json;
import io.onceflow.kafka.RecordFormat;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class RecordDecoderTest {

    record Payment(long id, String account, long amountCents) {}

    private final RecordDecoder<Payment> decoder = new RecordDecoder<>(RecordFormat.value(Json.of(Payment.class)));

    /** A consumer record with no key and no headers, as the source gets it. */
    private static ConsumerRecord<byte[], byte[]> record(
            String topic, int partition, long offset, long timestamp, byte @Nullable [] value) {
        return record(topic, partition, offset, timestamp, null, value, new RecordHeaders());
    }

    private static ConsumerRecord<byte[], byte[]> record(
            String topic,
            int partition,
            long offset,
            long timestamp,
            byte @Nullable [] key,
            byte @Nullable [] value,
            RecordHeaders headers) {
        return new ConsumerRecord<>(
                topic,
                partition,
                offset,
                timestamp,
                TimestampType.CREATE_TIME,
                -1,
                -1,
                key,
                value,
                headers,
                Optional.empty());
    }

    @Test
    void aGoodRecordBecomesDataWithItsOrigin() {
        StreamElement<Payment> element = decoder.decode(
                record("payments", 3, 17, 1_000, "{\"id\":1,\"account\":\"a\",\"amountCents\":5}".getBytes()));
        assertThat(element).isEqualTo(new Data<>(new Payment(1, "a", 5), new Origin("payments", 3, 17, 1_000)));
    }

    @Test
    void malformedJsonBecomesADeadLetterNamingTopicPartitionAndOffset() {
        byte[] raw = "{not json".getBytes(StandardCharsets.UTF_8);
        DeadLetter<Payment> deadLetter = (DeadLetter<Payment>) decoder.decode(record("payments", 3, 17, 1_000, raw));
        assertThat(deadLetter.origin()).isEqualTo(new Origin("payments", 3, 17, 1_000));
        assertThat(deadLetter.stage()).isEqualTo("deserialize");
        assertThat(deadLetter.payload()).isSameAs(raw);
        assertThat(deadLetter.error())
                .isInstanceOf(DeserializationException.class)
                .hasMessageStartingWith("cannot deserialize the value of topic payments, partition 3, offset 17: ")
                .hasMessageContaining(Payment.class.getName())
                .hasMessageNotContaining("\n");
        assertThat(((DeserializationException) deadLetter.error()).origin()).isEqualTo(deadLetter.origin());
        assertThat(((DeserializationException) deadLetter.error()).isRetryable())
                .isFalse();
    }

    @Test
    void wrongTypesBecomeADeadLetter() {
        StreamElement<Payment> element = decoder.decode(
                record("payments", 0, 4, 0, "{\"id\":1,\"account\":\"a\",\"amountCents\":\"lots\"}".getBytes()));
        assertThat(element).isInstanceOf(DeadLetter.class);
        assertThat(((DeadLetter<?>) element).errorMessage()).contains("topic payments, partition 0, offset 4");
    }

    record Traced(String account, String trace, long amountCents) {}

    @Test
    void aRecordFormatSeesTheKeyAndTheHeaders() {
        RecordDecoder<Traced> traced = new RecordDecoder<>(record -> new Traced(
                record.keyAsString(),
                record.header("trace-id"),
                Long.parseLong(new String(record.value(), StandardCharsets.UTF_8))));
        RecordHeaders headers = new RecordHeaders();
        headers.add("trace-id", "t-7".getBytes(StandardCharsets.UTF_8));
        StreamElement<Traced> element =
                traced.decode(record("payments", 2, 9, 50, "acct-1".getBytes(), "250".getBytes(), headers));
        assertThat(element).isEqualTo(new Data<>(new Traced("acct-1", "t-7", 250), new Origin("payments", 2, 9, 50)));
    }

    @Test
    void aRecordFormatThatThrowsOrReturnsNullDeadLettersTheRecord() {
        RecordDecoder<String> failing = new RecordDecoder<>(record -> {
            throw new IllegalStateException("no trace id\nsecond line");
        });
        DeadLetter<String> thrown = (DeadLetter<String>) failing.decode(record("payments", 0, 3, 0, "x".getBytes()));
        assertThat(thrown.errorMessage())
                .startsWith("cannot deserialize the value of topic payments, partition 0, offset 3: ")
                .endsWith("failed: no trace id");
        RecordDecoder<String> empty = new RecordDecoder<>(record -> null);
        assertThat(empty.decode(record("payments", 0, 4, 0, "x".getBytes()))).isInstanceOf(DeadLetter.class);
    }

    @Test
    void aRecordFormatIsGivenTombstones() {
        RecordDecoder<String> tombstones =
                new RecordDecoder<>(record -> record.value() == null ? "deleted " + record.keyAsString() : "kept");
        assertThat(tombstones.decode(record("accounts", 0, 1, 0, "a".getBytes(), null, new RecordHeaders())))
                .isEqualTo(new Data<>("deleted a", new Origin("accounts", 0, 1, 0)));
    }

    @Test
    void aTombstoneBecomesADeadLetterWithoutPayload() {
        DeadLetter<Payment> deadLetter = (DeadLetter<Payment>) decoder.decode(record("payments", 1, 2, 0, null));
        assertThat(deadLetter.payload()).isNull();
        assertThat(deadLetter.errorMessage())
                .isEqualTo("cannot deserialize the value of topic payments, partition 1, offset 2: the record has no"
                        + " value (a tombstone)");
    }
}
