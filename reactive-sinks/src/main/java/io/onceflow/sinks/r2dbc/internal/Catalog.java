package io.onceflow.sinks.r2dbc.internal;

import io.r2dbc.spi.Connection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Reads the catalog: a table's columns with their types, and its unique keys. */
final class Catalog {

    private static final String COLUMNS =
            "SELECT a.attname::text, format_type(a.atttypid, NULL), format_type(a.atttypid,"
                    + " a.atttypmod), b.typname::text, b.typcategory::text, a.attnotnull"
                    + " FROM pg_attribute a"
                    + " JOIN pg_type t ON t.oid = a.atttypid"
                    + " JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END"
                    + " WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped"
                    + " ORDER BY a.attnum";

    private static final String UNIQUE_KEYS = "SELECT i.indexrelid::int8, a.attname::text"
            + " FROM pg_index i"
            + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
            + " WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indimmediate"
            + " AND i.indpred IS NULL AND i.indexprs IS NULL";

    private Catalog() {}

    /** Describes {@code table} (a checked name); a missing table is described as not existing. */
    static Mono<TableInfo> describe(Connection connection, String table) {
        String regclass = SqlNames.quoteTable(table);
        Mono<Map<String, ColumnInfo>> columns = Flux.from(
                        connection.createStatement(COLUMNS).bind(0, regclass).execute())
                .concatMap(result -> result.map((row, meta) -> new ColumnInfo(
                        row.get(0, String.class),
                        row.get(1, String.class),
                        row.get(2, String.class),
                        row.get(3, String.class),
                        row.get(4, String.class).charAt(0),
                        Boolean.TRUE.equals(row.get(5, Boolean.class)))))
                .collect(LinkedHashMap::new, (map, column) -> map.put(column.name(), column));
        Mono<List<Set<String>>> uniqueKeys = Flux.from(connection
                        .createStatement(UNIQUE_KEYS)
                        .bind(0, regclass)
                        .execute())
                .concatMap(result ->
                        result.map((row, meta) -> Map.entry(row.get(0, Long.class), row.get(1, String.class))))
                .collect(
                        LinkedHashMap<Long, Set<String>>::new,
                        (map, entry) -> map.computeIfAbsent(entry.getKey(), index -> new HashSet<>())
                                .add(entry.getValue()))
                .map(byIndex -> new ArrayList<>(byIndex.values()));
        return columns.flatMap(found -> found.isEmpty()
                ? Mono.just(new TableInfo(table, false, Map.of(), List.of()))
                : uniqueKeys.map(keys -> new TableInfo(table, true, found, keys)));
    }
}
