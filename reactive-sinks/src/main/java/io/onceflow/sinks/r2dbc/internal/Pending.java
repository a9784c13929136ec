package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.core.Data;
import io.onceflow.core.Origin;
import io.onceflow.sinks.r2dbc.Row;
import org.jspecify.annotations.Nullable;

/**
 * A record as the data path buffers it: its row, in the layout's column order, and its key; or, for a sink with a
 * row key function, the record and the key that function gave, its row not made yet. Its values become text on the
 * commit path, and only if the row is still written then (a coalesced row is not).
 *
 * @param row the mapper's row, in the layout's order; {@code null} when the row is made on the commit path, from the
 *     newest record of its key only
 * @param key equal keys write the same row: the key columns' text forms, joined, for a made row; the row key
 *     function's value otherwise
 * @param record the record, for its origin (the version, a dead letter) and its value (a dead letter's payload)
 * @param ordinal the row's place among the rows its record wrote to this sink: with the record's offset, the version
 */
record Pending(@Nullable Row row, Object key, Data<?> record, int ordinal) {

    /**
     * Whether the write of {@code mine} (its row {@code ordinal}) is newer than that of {@code theirs}, a write of the
     * same key: a later offset of the same source partition, or a later row of the same record. A row of another
     * partition is newer too: there is no order between partitions, and the last write of the checkpoint wins, as it
     * does in the table.
     */
    static boolean newer(Origin mine, int ordinal, Origin theirs, int theirOrdinal) {
        return newer(mine, ordinal, theirs.source(), theirs.partition(), theirs.offset(), theirOrdinal);
    }

    /** The same, against a version given by its parts. */
    static boolean newer(
            Origin mine, int ordinal, String theirSource, int theirPartition, long theirOffset, int theirOrdinal) {
        if (mine.partition() != theirPartition || !mine.source().equals(theirSource)) {
            return true;
        }
        return mine.offset() > theirOffset || (mine.offset() == theirOffset && ordinal >= theirOrdinal);
    }
}
