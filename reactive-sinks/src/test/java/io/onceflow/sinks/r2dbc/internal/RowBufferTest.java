package io.onceflow.sinks.r2dbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.core.DeadLetter;
import io.onceflow.core.PipelineConfigurationException;
import io.onceflow.sinks.r2dbc.Row;
import java.util.List;
import org.junit.jupiter.api.Test;

class RowBufferTest {

    private static Pending entry(String key, long offset) {
        return entry(key, 0, offset, 0);
    }

    private static Pending entry(String key, int partition, long offset, int ordinal) {
        return new Pending(Row.of("k", key, "o", offset), key, Tables.data(key, partition, offset), ordinal);
    }

    private static List<List<Pending>> chunks(RowBuffer.Sealed sealed, int chunkSize) {
        return StatementChunks.chunks(sealed.rows(), Pending::key, sealed.uniqueKeys(), chunkSize, row -> 1);
    }

    private static List<String> keysAndOffsets(List<Pending> chunk) {
        return chunk.stream()
                .map(e -> e.key() + "@" + e.record().origin().offset())
                .toList();
    }

    @Test
    void withoutCoalescingEveryRowIsWrittenAndAKeysRowsKeepTheirOrder() {
        RowBuffer buffer = new RowBuffer(false);
        buffer.add(entry("a", 0));
        buffer.add(entry("b", 1));
        buffer.add(entry("a", 2));
        buffer.add(entry("c", 3));
        buffer.add(entry("a", 4));
        buffer.add(entry("b", 5));
        assertThat(buffer.size()).isEqualTo(6);

        RowBuffer.Sealed sealed = buffer.seal();
        assertThat(buffer.size()).isZero();
        assertThat(sealed.records()).isEqualTo(6);
        List<List<Pending>> chunks = chunks(sealed, 2);
        // generation 0: a@0 b@1 c@3; generation 1: a@2 b@5; generation 2: a@4; chunks of at most 2, distinct keys
        assertThat(chunks.stream().map(RowBufferTest::keysAndOffsets))
                .containsExactly(List.of("a@0", "b@1"), List.of("c@3"), List.of("a@2", "b@5"), List.of("a@4"));
    }

    @Test
    void distinctKeysAreChunkedInWriteOrder() {
        RowBuffer buffer = new RowBuffer(false);
        for (int i = 0; i < 5; i++) {
            buffer.add(entry("k" + i, i));
        }
        assertThat(chunks(buffer.seal(), 2).stream().map(RowBufferTest::keysAndOffsets))
                .containsExactly(List.of("k0@0", "k1@1"), List.of("k2@2", "k3@3"), List.of("k4@4"));
    }

    @Test
    void lastWriteWinsKeepsOneRowPerKeyTheLastOne() {
        RowBuffer buffer = new RowBuffer(true);
        buffer.add(entry("a", 0));
        buffer.add(entry("b", 1));
        buffer.add(entry("a", 2));
        buffer.add(entry("a", 3));
        assertThat(buffer.size()).as("memory holds one row per key").isEqualTo(2);
        RowBuffer.Sealed sealed = buffer.seal();
        assertThat(sealed.records()).isEqualTo(4);
        assertThat(chunks(sealed, 10)).hasSize(1);
        assertThat(keysAndOffsets(chunks(sealed, 10).get(0))).containsExactlyInAnyOrder("a@3", "b@1");
    }

    @Test
    void lastWriteWinsKeepsTheNewestVersionNotTheLastArrival() {
        RowBuffer buffer = new RowBuffer(true);
        buffer.add(entry("a", 0, 3, 0));
        buffer.add(entry("a", 0, 1, 0)); // an older record of the same partition, arriving late: not newer
        buffer.add(entry("b", 0, 5, 0));
        buffer.add(entry("b", 0, 5, 1)); // the same record's second row for b: newer
        buffer.add(entry("c", 0, 9, 0));
        buffer.add(entry("c", 1, 2, 0)); // another partition: no order between them, the last write wins
        List<Pending> rows = chunks(buffer.seal(), 10).get(0);
        assertThat(rows.stream()
                        .map(e -> e.key() + "@" + e.record().origin().partition() + ":"
                                + e.record().origin().offset() + "#" + e.ordinal()))
                .containsExactlyInAnyOrder("a@0:3#0", "b@0:5#1", "c@1:2#0");
    }

    @Test
    void rejectedRecordsAndTheFirstMappingErrorTravelWithTheCheckpoint() {
        RowBuffer buffer = new RowBuffer(false);
        DeadLetter<String> bad =
                new DeadLetter<>(Tables.data("x", 0, 7).origin(), "sink:t", "x", new IllegalArgumentException("bad"));
        buffer.reject(bad);
        buffer.fail(new PipelineConfigurationException("first"));
        buffer.fail(new PipelineConfigurationException("second"));
        RowBuffer.Sealed sealed = buffer.seal();
        assertThat(sealed.rejected()).containsExactly(bad);
        assertThat(sealed.failure()).hasMessage("first");
        assertThat(sealed.records()).isEqualTo(3);
        assertThat(buffer.seal().failure()).isNull();
    }

    @Test
    void streamedRowsStayHeldAndTheSealedCheckpointHoldsEveryRowInWriteOrder() {
        RowBuffer buffer = new RowBuffer(false);
        buffer.add(entry("a", 0));
        buffer.add(entry("b", 1));
        assertThat(keysAndOffsets(buffer.stream())).containsExactly("a@0", "b@1");
        assertThat(buffer.unstreamed()).isZero();
        assertThat(buffer.size())
                .as("streamed rows are held until the checkpoint is sealed")
                .isEqualTo(2);
        buffer.add(entry("a", 2));

        RowBuffer.Sealed sealed = buffer.seal();
        assertThat(sealed.streamed()).isTrue();
        assertThat(keysAndOffsets(sealed.rows())).as("what the marker writes").containsExactly("a@2");
        assertThat(keysAndOffsets(sealed.all()))
                .as("what a checkpoint written again whole writes")
                .containsExactly("a@0", "b@1", "a@2");
        assertThat(sealed.size()).isEqualTo(3);
        assertThat(buffer.size()).isZero();
    }

    @Test
    void coalescedAcrossStreamedChunksTheNewestVersionWinsNotTheLastArrival() {
        RowBuffer buffer = new RowBuffer(true);
        buffer.add(entry("a", 5));
        buffer.add(entry("b", 6));
        assertThat(keysAndOffsets(buffer.stream())).containsExactlyInAnyOrder("a@5", "b@6");
        // a reordering operator delivers an older write of a after the newer one went into the transaction
        buffer.add(entry("a", 3));
        buffer.add(entry("b", 7));
        assertThat(buffer.unstreamed()).as("the older write of a is dropped").isEqualTo(1);

        RowBuffer.Sealed sealed = buffer.seal();
        assertThat(keysAndOffsets(sealed.rows())).containsExactly("b@7");
        assertThat(keysAndOffsets(sealed.all())).containsExactlyInAnyOrder("a@5", "b@7");
        assertThat(sealed.uniqueKeys()).isTrue();
        assertThat(sealed.records()).isEqualTo(4);
    }

    @Test
    void aCheckpointWithNothingStreamedWritesTheSameRowsAtItsMarker() {
        RowBuffer buffer = new RowBuffer(true);
        buffer.add(entry("a", 1));
        buffer.add(entry("a", 2));
        RowBuffer.Sealed sealed = buffer.seal();
        assertThat(sealed.streamed()).isFalse();
        assertThat(sealed.all()).isSameAs(sealed.rows());
        assertThat(keysAndOffsets(sealed.rows())).containsExactly("a@2");
    }
}
