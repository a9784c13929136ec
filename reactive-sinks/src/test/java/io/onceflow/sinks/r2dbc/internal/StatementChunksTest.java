package io.onceflow.sinks.r2dbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class StatementChunksTest {

    /** A row: its key and the characters its values take. */
    record Sized(String key, long chars) {}

    private static List<List<Sized>> chunks(List<Sized> rows, boolean uniqueKeys, int chunkSize, long maxChars) {
        return StatementChunks.chunks(rows, Sized::key, uniqueKeys, chunkSize, Sized::chars, maxChars);
    }

    @Test
    void rowsAreSplitByCharactersAsWellAsByCount() {
        List<Sized> rows = List.of(
                new Sized("a", 40),
                new Sized("b", 40),
                new Sized("c", 40),
                new Sized("d", 10),
                new Sized("e", 10),
                new Sized("f", 10),
                new Sized("g", 10));
        assertThat(chunks(rows, true, 3, 100))
                .extracting(chunk -> chunk.stream().map(Sized::key).toList())
                .containsExactly(List.of("a", "b"), List.of("c", "d", "e"), List.of("f", "g"));
    }

    @Test
    void aRowOverTheBoundIsAStatementOfItsOwn() {
        List<Sized> rows = List.of(new Sized("a", 5), new Sized("big", 1_000), new Sized("b", 5));
        assertThat(chunks(rows, true, 100, 100))
                .extracting(chunk -> chunk.stream().map(Sized::key).toList())
                .containsExactly(List.of("a"), List.of("big"), List.of("b"));
    }

    @Test
    void everyRowIsWrittenOnceInItsKeysOrder() {
        // a key's second row goes in a later statement than its first, whatever the sizes
        List<Sized> rows = List.of(
                new Sized("a", 60), new Sized("b", 60), new Sized("a", 60), new Sized("c", 10), new Sized("a", 1));
        List<List<Sized>> chunks = chunks(rows, false, 10, 100);
        assertThat(chunks.stream().flatMap(List::stream).toList()).containsExactlyInAnyOrderElementsOf(rows);
        for (List<Sized> chunk : chunks) {
            assertThat(chunk.stream().map(Sized::key)).doesNotHaveDuplicates();
            assertThat(chunk.stream().mapToLong(Sized::chars).sum() <= 100 || chunk.size() == 1)
                    .isTrue();
        }
        List<Sized> ofA = chunks.stream()
                .flatMap(List::stream)
                .filter(row -> row.key().equals("a"))
                .toList();
        assertThat(ofA).extracting(Sized::chars).containsExactly(60L, 60L, 1L);
    }

    @Test
    void theDefaultBoundLeavesRowsOfTheUsualSizeToTheCount() {
        List<Sized> rows = java.util.stream.IntStream.range(0, 12_000)
                .mapToObj(i -> new Sized("k" + i, 300))
                .toList();
        assertThat(StatementChunks.chunks(rows, Sized::key, true, 5_000, Sized::chars))
                .extracting(List::size)
                .containsExactly(5_000, 5_000, 2_000);
        // rows of 1 MiB: 16 to a statement, not 5,000 (5 GB)
        List<Sized> large = java.util.stream.IntStream.range(0, 40)
                .mapToObj(i -> new Sized("k" + i, 1L << 20))
                .toList();
        assertThat(StatementChunks.chunks(large, Function.identity(), true, 5_000, Sized::chars))
                .extracting(List::size)
                .containsExactly(16, 16, 8);
    }
}
