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

/**
 * Reads the catalog: a table's columns with their types, its unique keys and its fillfactor.
 *
 * <p>The column query also counts its rows, and a read that delivered fewer than it counted is made again (up to
 * {@value #READS} times): a CI run once read a table without its first column on a pooled connection (the driver
 * lost a row), and reported a missing key column that was there. A table is then never judged on a partial read.
 */
final class Catalog {

    /** How many times the columns are read before a partial read fails. */
    static final int READS = 3;

    private static final String COLUMNS =
            "SELECT a.attname::text, format_type(a.atttypid, NULL), format_type(a.atttypid,"
                    + " a.atttypmod), b.typname::text, b.typcategory::text, a.attnotnull, count(*) OVER ()"
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

    /**
     * The {@code fillfactor} storage parameter, PostgreSQL's default when it is not set. A partitioned table has no
     * pages of its own and cannot have one (its partitions have theirs, and an {@code ALTER} of the parent fails): it
     * reads as {@link TableInfo#FILLFACTOR_NOT_READ}, and is never warned of.
     */
    private static final String FILLFACTOR = "SELECT CASE WHEN c.relkind = 'p' THEN "
            + TableInfo.FILLFACTOR_NOT_READ + " ELSE coalesce((SELECT option_value::int"
            + " FROM pg_options_to_table(c.reloptions) WHERE option_name = 'fillfactor'), "
            + TableSpec.FULL_PAGES + ") END"
            + " FROM pg_class c WHERE c.oid = to_regclass($1)";

    /** How a column is stored: {@code p} plain, {@code e} external, {@code m} main, {@code x} extended. */
    private static final String COLUMN_STORAGE = "SELECT a.attstorage::text FROM pg_attribute a"
            + " WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND NOT a.attisdropped";

    private Catalog() {}

    /**
     * How {@code column} of {@code table} (a checked name) is stored ({@code pg_attribute.attstorage}); empty when
     * there is no such column. Completes once the result is read to its end, so that the connection can run the next
     * statement.
     */
    static Mono<Character> columnStorage(Connection connection, String table, String column) {
        return Flux.from(connection
                        .createStatement(COLUMN_STORAGE)
                        .bind(0, SqlNames.quoteTable(table))
                        .bind(1, column)
                        .execute())
                .concatMap(result ->
                        result.map((row, meta) -> row.get(0, String.class).charAt(0)))
                .singleOrEmpty(); // one row at most (the name is unique in the table); read to the end
    }

    /** The columns, or empty when the read delivered fewer rows than the query counted (a partial read). */
    private static Mono<Map<String, ColumnInfo>> readColumns(Connection connection, String regclass) {
        return Mono.defer(() -> readColumnsOnce(connection, regclass));
    }

    private static Mono<Map<String, ColumnInfo>> readColumnsOnce(Connection connection, String regclass) {
        long[] counted = {0}; // the count every row carries; one read's rows arrive in sequence
        return Flux.from(connection.createStatement(COLUMNS).bind(0, regclass).execute())
                .concatMap(result -> result.map((row, meta) -> {
                    counted[0] = row.get(6, Long.class);
                    return new ColumnInfo(
                            row.get(0, String.class),
                            row.get(1, String.class),
                            row.get(2, String.class),
                            row.get(3, String.class),
                            row.get(4, String.class).charAt(0),
                            Boolean.TRUE.equals(row.get(5, Boolean.class)));
                }))
                .collect(LinkedHashMap<String, ColumnInfo>::new, (map, column) -> map.put(column.name(), column))
                .<Map<String, ColumnInfo>>map(map -> map)
                .filter(found -> found.size() == counted[0]);
    }

    /**
     * Describes a sink's target table (a checked name), without its fillfactor ({@link TableInfo#FILLFACTOR_NOT_READ}):
     * Onceflow does not tune users' tables, and the open saves a round trip per target. A missing table is described
     * as not existing.
     */
    static Mono<TableInfo> describe(Connection connection, String table) {
        return describe(connection, table, false);
    }

    /** Describes one of Onceflow's own tables (a checked name), with its fillfactor. */
    static Mono<TableInfo> describeWithFillfactor(Connection connection, String table) {
        return describe(connection, table, true);
    }

    private static Mono<TableInfo> describe(Connection connection, String table, boolean readFillfactor) {
        String regclass = SqlNames.quoteTable(table);
        Mono<Map<String, ColumnInfo>> columns = readColumns(connection, regclass)
                .repeatWhenEmpty(READS - 1, attempts -> attempts)
                .switchIfEmpty(Mono.error(() -> new IllegalStateException("reading the columns of " + table
                        + " delivered fewer rows than the catalog counted, " + READS + " times")));
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
        // last(...): read to the end, so that the connection is left with no result pending; a table dropped since
        // the columns were read has no row, and is then as good as full
        Mono<Integer> fillfactor = !readFillfactor
                ? Mono.just(TableInfo.FILLFACTOR_NOT_READ)
                : Flux.from(connection
                                .createStatement(FILLFACTOR)
                                .bind(0, regclass)
                                .execute())
                        .concatMap(result -> result.map((row, meta) -> row.get(0, Integer.class)))
                        .last(TableSpec.FULL_PAGES);
        // one statement after the other: they share the connection
        return columns.flatMap(found -> found.isEmpty()
                ? Mono.just(TableInfo.missing(table))
                : uniqueKeys.flatMap(keys -> fillfactor.map(pages -> new TableInfo(table, true, found, keys, pages))));
    }
}
