package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** What a checkpoint keeps of its sent records to retry its transaction: bounded in records and in bytes. */
class WriterSegmentTest {

    private static ProducerRecord<byte[], byte[]> record(int keyBytes, int valueBytes) {
        return new ProducerRecord<>("out", 0, new byte[keyBytes], new byte[valueBytes]);
    }

    @Test
    void recordsAreKeptForARetryWhileBothBoundsHold() {
        WriterSegment<String> segment = new WriterSegment<>();

        assertThat(segment.retain(List.of(record(2, 8), record(2, 8)), 10, 100)).isZero();
        assertThat(segment.retain(List.of(record(0, 60)), 10, 100)).isZero();

        assertThat(segment.sentRecords).hasSize(3);
        assertThat(segment.retained).isTrue();
    }

    @Test
    void aCheckpointOfLargeRecordsLetsGoOfThemAllOnceItsBytesExceedTheBound() {
        WriterSegment<String> segment = new WriterSegment<>();
        segment.retain(List.of(record(1, 49), record(1, 49)), 1_000, 150);

        // 100 bytes kept, 60 more would be 160: everything goes, and what follows is not kept either
        assertThat(segment.retain(List.of(record(10, 50)), 1_000, 150)).isEqualTo(3);
        assertThat(segment.sentRecords).isEmpty();
        assertThat(segment.retained).isFalse();
        assertThat(segment.retain(List.of(record(1, 1)), 1_000, 150)).isEqualTo(1);
        assertThat(segment.sentRecords).isEmpty();
    }

    @Test
    void aCheckpointOfManyRecordsLetsGoOfThemAllPastTheRecordBound() {
        WriterSegment<String> segment = new WriterSegment<>();
        segment.retain(List.of(record(1, 1), record(1, 1)), 3, 1L << 20);

        assertThat(segment.retain(List.of(record(1, 1), record(1, 1)), 3, 1L << 20))
                .isEqualTo(4);
        assertThat(segment.retained).isFalse();
    }

    @Test
    void headersAndMissingKeysCountAsTheyAreSent() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("onceflow.h", new byte[20]); // 10 + 20 bytes
        ProducerRecord<byte[], byte[]> withHeaders =
                new ProducerRecord<>("out", 0, (byte[]) null, new byte[10], headers);
        WriterSegment<String> segment = new WriterSegment<>();

        assertThat(segment.retain(List.of(withHeaders), 10, 40)).isZero();
        assertThat(segment.retain(List.of(record(0, 1)), 10, 40)).isEqualTo(2);
    }

    @Test
    void aCommittedCheckpointReleasesWhatItKeptAndMayKeepAgain() {
        WriterSegment<String> segment = new WriterSegment<>();
        segment.retain(List.of(record(0, 90)), 10, 100);

        segment.releaseRetained();

        assertThat(segment.sentRecords).isEmpty();
        assertThat(segment.retain(List.of(record(0, 90)), 10, 100)).isZero();
    }
}
