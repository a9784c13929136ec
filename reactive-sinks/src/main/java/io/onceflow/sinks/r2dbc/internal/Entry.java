package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.core.Data;
import org.jspecify.annotations.Nullable;

/**
 * One row ready to write: the text form of each of its columns, in the layout's order, and its key.
 *
 * @param texts the columns' text forms; {@code null} for SQL {@code NULL}
 * @param key the key columns' text forms, joined: equal keys write the same row
 * @param record the record, for its origin (the version, a dead letter) and its value (a dead letter's payload)
 * @param ordinal the row's place among the rows its record wrote to this sink
 */
record Entry(@Nullable String[] texts, String key, Data<?> record, int ordinal) {

    /** The characters this row's values take in a statement, for {@link StatementChunks}. */
    long chars() {
        long chars = 0;
        for (String text : texts) {
            chars += text == null ? 4 : text.length() + 4; // with a separator and quotes, or NULL
        }
        return chars;
    }
}
