package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.core.DeadLetter;
import io.onceflow.core.OnceflowException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The rows of the checkpoint being written, until its marker seals them.
 *
 * <p>With last-write-wins, a key's newer row (by version: offset, then the row's ordinal within its record) replaces
 * its older one here, so memory holds one row per key;
 * otherwise every row is kept, in order. Records that could not be turned into rows wait here as dead letters, and
 * a mapping error is kept to fail the checkpoint. Used by one thread at a time, the pipeline's data path: it does
 * as little as it can, the values become text on the commit path.
 */
final class RowBuffer {

    private final boolean coalesce;
    private List<Pending> rows = new ArrayList<>();
    private Map<String, Pending> latest = new HashMap<>();
    private List<DeadLetter<?>> rejected = new ArrayList<>();
    private @Nullable OnceflowException failure;
    private int records;

    RowBuffer(boolean coalesce) {
        this.coalesce = coalesce;
    }

    void add(Pending entry) {
        records++;
        if (coalesce) {
            // the newest version, not the last arrival: in order, they are the same (flatMap keeps its records'
            // order), but a user's operator may reorder, and the table's guard keeps the newest version too
            latest.merge(entry.key(), entry, (kept, next) -> next.supersedes(kept) ? next : kept);
        } else {
            rows.add(entry);
        }
    }

    /** A record that cannot be written, to dead-letter with the checkpoint. */
    void reject(DeadLetter<?> deadLetter) {
        records++;
        rejected.add(deadLetter);
    }

    /** A mapping error: the checkpoint fails with it. The first one is kept. */
    void fail(OnceflowException error) {
        records++;
        if (failure == null) {
            failure = error;
        }
    }

    /** Rows held: what memory the buffer takes, and what its bound counts. */
    int size() {
        return (coalesce ? latest.size() : rows.size()) + rejected.size();
    }

    /** Takes the rows written so far, leaving the buffer empty. */
    Sealed seal() {
        Sealed sealed =
                new Sealed(coalesce ? new ArrayList<>(latest.values()) : rows, coalesce, rejected, failure, records);
        rows = new ArrayList<>();
        latest = new HashMap<>();
        rejected = new ArrayList<>();
        failure = null;
        records = 0;
        return sealed;
    }

    /**
     * The rows of one checkpoint.
     *
     * @param rows the rows, in write order (or one per key, when coalesced)
     * @param uniqueKeys whether the keys are known to be distinct
     * @param rejected records that could not be made rows
     * @param failure a mapping error that fails the checkpoint, or {@code null}
     * @param records the records written, coalesced or not
     */
    record Sealed(
            List<Pending> rows,
            boolean uniqueKeys,
            List<DeadLetter<?>> rejected,
            @Nullable OnceflowException failure,
            int records) {

        /** Rows held in memory until the checkpoint is durable. */
        int size() {
            return rows.size() + rejected.size();
        }
    }

    /**
     * Rows in statements of at most {@code chunkSize} rows, each with distinct keys, in an order that writes each
     * key's rows in the order they were written.
     *
     * <p>A key's first row goes in generation 0, its second in generation 1, and so on; every chunk of generation g
     * comes before any of generation g + 1.
     *
     * @param uniqueKeys whether the keys are known to be distinct already
     */
    static <E> List<List<E>> chunks(List<E> rows, Function<E, String> key, boolean uniqueKeys, int chunkSize) {
        List<List<E>> generations = uniqueKeys ? List.of(rows) : generations(rows, key);
        List<List<E>> chunks = new ArrayList<>();
        for (List<E> generation : generations) {
            for (int from = 0; from < generation.size(); from += chunkSize) {
                chunks.add(generation.subList(from, Math.min(generation.size(), from + chunkSize)));
            }
        }
        return chunks;
    }

    private static <E> List<List<E>> generations(List<E> rows, Function<E, String> key) {
        Map<String, Integer> seen = new HashMap<>(rows.size() * 2);
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
