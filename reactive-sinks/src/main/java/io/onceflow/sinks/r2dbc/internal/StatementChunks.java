package io.onceflow.sinks.r2dbc.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Splits the rows of a write into statements, each one round trip: at most {@code chunkSize} rows and at most
 * {@link #MAX_CHARS} characters of values in a statement, and never two rows of one key in a statement (an upsert
 * cannot touch a row twice).
 *
 * <p>Why a bound on characters as well as rows: a statement's values are the records' own text, whose size a producer
 * decides. PostgreSQL refuses a message over 1 GB, so 5,000 rows (the default chunk) of a few hundred kilobytes each
 * would fail their checkpoint at every restart; well before that, the statement is a string of that size in the
 * client's heap, and again in the server's. Split by size, a statement holds a few MiB of values at most, and one row
 * at least, so rows of any size are written.
 */
final class StatementChunks {

    /**
     * The most characters of values in one statement (unless one row has more): 16 Mi characters, so at most some
     * 50 MB on the wire for text of three-byte characters, far below the server's 1 GB limit. Rows of the usual size
     * never reach it: 5,000 rows of 3,000 characters do.
     */
    static final long MAX_CHARS = 16L << 20;

    private StatementChunks() {}

    /**
     * Rows in statements of at most {@code chunkSize} rows and {@link #MAX_CHARS} characters, each with distinct keys,
     * in an order that writes each key's rows in the order they were written.
     *
     * <p>A key's first row goes in generation 0, its second in generation 1, and so on; every chunk of generation g
     * comes before any of generation g + 1.
     *
     * @param uniqueKeys whether the keys are known to be distinct already
     * @param chars the characters a row's values take in a statement
     */
    static <E> List<List<E>> chunks(
            List<E> rows, Function<E, ?> key, boolean uniqueKeys, int chunkSize, ToLongFunction<E> chars) {
        return chunks(rows, key, uniqueKeys, chunkSize, chars, MAX_CHARS);
    }

    /** {@link #chunks(List, Function, boolean, int, ToLongFunction)} with another bound on characters. */
    static <E> List<List<E>> chunks(
            List<E> rows,
            Function<E, ?> key,
            boolean uniqueKeys,
            int chunkSize,
            ToLongFunction<E> chars,
            long maxChars) {
        List<List<E>> generations = uniqueKeys ? List.of(rows) : generations(rows, key);
        List<List<E>> chunks = new ArrayList<>();
        for (List<E> generation : generations) {
            int from = 0;
            long size = 0;
            for (int i = 0; i < generation.size(); i++) {
                long rowChars = chars.applyAsLong(generation.get(i));
                if (i > from && (i - from == chunkSize || size + rowChars > maxChars)) {
                    chunks.add(generation.subList(from, i));
                    from = i;
                    size = 0;
                }
                size += rowChars;
            }
            if (from < generation.size()) {
                chunks.add(generation.subList(from, generation.size()));
            }
        }
        return chunks;
    }

    private static <E> List<List<E>> generations(List<E> rows, Function<E, ?> key) {
        Map<Object, Integer> seen = new HashMap<>(rows.size() * 2);
        List<List<E>> generations = new ArrayList<>();
        generations.add(new ArrayList<>(rows.size()));
        boolean repeated = false;
        for (E row : rows) {
            int generation = seen.merge(key.apply(row), 1, Integer::sum) - 1;
            if (generation > 0) {
                repeated = true;
                while (generations.size() <= generation) {
                    generations.add(new ArrayList<>());
                }
            }
            generations.get(generation).add(row);
        }
        return repeated ? generations : List.of(rows);
    }
}
