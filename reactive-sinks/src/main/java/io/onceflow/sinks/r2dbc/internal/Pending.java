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
 */
record Pending(Row row, String key, Data<?> record) {}
