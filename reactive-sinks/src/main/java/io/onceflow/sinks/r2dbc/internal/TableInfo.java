package io.onceflow.sinks.r2dbc.internal;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A table as the catalog describes it, read at open.
 *
 * @param table the table's name as configured
 * @param exists whether it exists
 * @param columns its columns by name, in order
 * @param uniqueKeys the column sets of its immediate, non-partial unique indexes (primary key included): the ones
 *     {@code ON CONFLICT} can use
 * @param fillfactor how full PostgreSQL packs its pages at insert, in percent: its {@code fillfactor} storage
 *     parameter, or 100 (PostgreSQL's default) when it has none or does not exist; {@link #FILLFACTOR_NOT_READ} where
 *     it was not read (a sink's target table: Onceflow does not tune users' tables) or does not apply (a partitioned
 *     table has no pages of its own)
 */
record TableInfo(
        String table, boolean exists, Map<String, ColumnInfo> columns, List<Set<String>> uniqueKeys, int fillfactor) {

    /** The fillfactor of a table whose fillfactor was not read, or that has none of its own: never warned of. */
    static final int FILLFACTOR_NOT_READ = 0;

    /** A table that does not exist. */
    static TableInfo missing(String table) {
        return new TableInfo(table, false, Map.of(), List.of(), TableSpec.FULL_PAGES);
    }

    @Nullable
    ColumnInfo column(String name) {
        return columns.get(name);
    }

    /** Whether a unique index covers exactly {@code columns}. */
    boolean hasUniqueKey(Set<String> keyColumns) {
        return uniqueKeys.contains(keyColumns);
    }
}
