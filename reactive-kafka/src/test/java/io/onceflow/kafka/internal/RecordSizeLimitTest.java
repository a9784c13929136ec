package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.onceflow.core.SourcePartition;
import io.onceflow.kafka.KafkaSinkOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.Test;

/**
 * The sink's own check of a record's size against its producer's limit, and the message of a pipeline stopped by a
 * changelog record too large for it. That the producer and the broker agree at the boundary is shown on a real broker
 * by {@code KafkaOversizedRecordsIT}.
 */
class RecordSizeLimitTest {

    private static final SourcePartition PAYMENTS_3 = new SourcePartition("payments", 3);

    @Test
    void theLimitIsTheProducersMaxRequestSizeOrItsBufferMemoryIfSmaller() {
        assertThat(limit(b -> b).maxBytes()).isEqualTo(1024 * 1024);
        assertThat(limit(b -> b.producerProperty("max.request.size", 4_000_000)).maxBytes())
                .isEqualTo(4_000_000);
        assertThat(limit(b -> b.clientProperty("max.request.size", "3000000")).maxBytes())
                .isEqualTo(3_000_000);
        assertThat(limit(b -> b.clientProperty("max.request.size", "3000000")
                                .producerProperty("max.request.size", "2000000"))
                        .maxBytes())
                .as("a producer property wins over a client property, as the producer is given them")
                .isEqualTo(2_000_000);
        assertThat(limit(b -> b.producerProperty("max.request.size", 4_000_000)
                                .producerProperty("buffer.memory", 500_000))
                        .maxBytes())
                .isEqualTo(500_000);
    }

    @Test
    void aRecordOfExactlyTheLimitFitsAndOneByteMoreDoesNot() {
        RecordSizeLimit limit = new RecordSizeLimit(100_000);
        ProducerRecord<byte[], byte[]> exactly = recordOfSize(100_000);
        ProducerRecord<byte[], byte[]> over = recordOfSize(100_001);

        assertThat(limit.fits(exactly)).isTrue();
        assertThat(limit.check(exactly)).isSameAs(exactly);
        assertThat(limit.fits(over)).isFalse();
        assertThatThrownBy(() -> limit.check(over))
                .isInstanceOf(RecordTooLargeException.class)
                .hasMessage("the record for topic balances is 100,001 bytes (key 5, value "
                        + String.format(java.util.Locale.ROOT, "%,d", over.value().length)
                        + "), over the 100,000 bytes the sink's producer sends in one record"
                        + " (max.request.size)");
    }

    @Test
    void aStateLogRecordTooLargeIsNamedByItsLargestEntryWithTheKeyShortened() {
        List<byte[]> records = new ArrayList<>();
        StateLogValue.Builder log = new StateLogValue.Builder(Integer.MAX_VALUE, records::add);
        log.add("balances", "acct-small", new byte[10]);
        log.add("balances", "acct-" + "x".repeat(5_000), new byte[20_000]);
        log.add("fees", "acct-other", new byte[15_000]);
        log.finish();
        byte[] key = ChangelogKeys.encode(Changelog.STATE_LOG, PAYMENTS_3, "run-7-0");

        String message = StateTooLarge.describe(
                "ledger",
                new ProducerRecord<>("ledger-changelog", 3, key, records.get(0)),
                new RecordSizeLimit(30_000));

        assertThat(message)
                .startsWith("pipeline 'ledger': the keyed state of operator 'balances', key 'acct-"
                        + "x".repeat(75) + "…' (5,005 bytes of key, 20,000 of value) does not fit in a record of"
                        + " changelog topic ledger-changelog, partition 3: the sink's producer sends at most 30,000"
                        + " bytes in one record (max.request.size).")
                .contains("the pipeline stops")
                .contains("max.message.bytes");
    }

    @Test
    void aPerKeyRecordTooLargeIsNamedByItsKey() {
        byte[] key = ChangelogKeys.encode(ChangelogKeys.prefix("balances", PAYMENTS_3), "acct-9");

        String message = StateTooLarge.describe(
                "ledger",
                new ProducerRecord<>("ledger-changelog", 3, key, new byte[40_000]),
                new RecordSizeLimit(30_000));

        assertThat(message)
                .startsWith("pipeline 'ledger': the keyed state of operator 'balances', key 'acct-9' (6 bytes of key,"
                        + " 40,000 of value) does not fit");
    }

    private static RecordSizeLimit limit(UnaryOperator<KafkaSinkOptions.Builder> settings) {
        return RecordSizeLimit.of(settings.apply(KafkaSinkOptions.builder().bootstrapServers("127.0.0.1:9"))
                .build());
    }

    /** A record of topic {@code balances} that is {@code size} bytes as the producer counts it. */
    private static ProducerRecord<byte[], byte[]> recordOfSize(int size) {
        byte[] key = "acct-".getBytes(StandardCharsets.UTF_8);
        int valueLength = size;
        for (int attempt = 0; attempt < 10; attempt++) {
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>("balances", key, new byte[valueLength]);
            int counted = RecordSizeLimit.sizeOf(record);
            if (counted == size) {
                return record;
            }
            valueLength += size - counted;
        }
        throw new AssertionError("no value makes a record of " + size + " bytes");
    }
}
