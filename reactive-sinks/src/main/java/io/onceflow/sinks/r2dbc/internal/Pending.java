package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.core.Data;
import io.onceflow.sinks.r2dbc.Row;

/**
 * A record as the data path buffers it: its row, in the layout's column order, and its key. Its values become text
 * on the commit path, and only if the row is still written then (a coalesced row is not).
 *
 * @param row the mapper's row, in the layout's order
 * @param key the key columns' text forms, joined: equal keys write the same row
 * @param record the record, for its origin (the version, a dead letter) and its value (a dead letter's payload)
 * @param ordinal the row's place among the rows its record wrote to this sink: with the record's offset, the version
 */
record Pending(Row row, String key, Data<?> record, int ordinal) {

    /**
     * Whether this row is a newer write than {@code other}, of the same key: a later offset of the same source
     * partition, or a later row of the same record. A row of another partition is newer too: there is no order
     * between partitions, and the last write of the checkpoint wins, as it does in the table.
     */
    boolean supersedes(Pending other) {
        var mine = record.origin();
        var theirs = other.record.origin();
        if (mine.partition() != theirs.partition() || !mine.source().equals(theirs.source())) {
            return true;
        }
        return mine.offset() > theirs.offset() || (mine.offset() == theirs.offset() && ordinal >= other.ordinal);
    }
}
