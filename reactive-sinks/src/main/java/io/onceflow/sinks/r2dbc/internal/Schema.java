package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.core.PipelineConfigurationException;
import io.onceflow.sinks.r2dbc.OnceflowTables;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Result;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Onceflow's tables: their DDL, and the checks at open that they, and a sink's target table, have what the SQL
 * needs. Every failed check is a {@link PipelineConfigurationException} whose message says what to create or alter.
 *
 * <p>An Onceflow table packed fuller than its DDL asks (a state table from before Onceflow created it half full) works
 * as well, only slower: that is a warning with the statements to run, never a failed open.
 */
public final class Schema {

    private static final Logger LOG = LoggerFactory.getLogger(Schema.class);

    private Schema() {}

    /**
     * The DDL of the offsets, state, checkpoints and state log tables, then the statement that stores the state log's
     * entries uncompressed ({@link #uncompressedLog}).
     */
    public static List<String> ddl(OnceflowTables tables) {
        List<String> ddl = new ArrayList<>(createTables(tables));
        ddl.add(uncompressedLog(tables.stateLog()));
        return List.copyOf(ddl);
    }

    private static List<String> createTables(OnceflowTables tables) {
        return List.of(
                TableSpec.OFFSETS.ddl(tables.offsets()),
                TableSpec.STATE.ddl(tables.state()),
                TableSpec.CHECKPOINTS.ddl(tables.checkpoints()),
                TableSpec.STATE_LOG.ddl(tables.stateLog()));
    }

    /**
     * Stores the state log's entries out of line and uncompressed ({@code STORAGE EXTERNAL}). A log row holds one
     * partition's changes of a checkpoint (hundreds of kilobytes on a busy job) and lives only until the partition's
     * next fold, a few checkpoints later: compressing it (PostgreSQL's default, {@code pglz}) is work in every
     * checkpoint's commit for space that is given back soon after. Measured in {@code psql} on PostgreSQL 15, four
     * rows of 250 kB of JSON-like entries: 25 ms compressed, 14 ms not.
     */
    static String uncompressedLog(String stateLog) {
        return "ALTER TABLE " + SqlNames.quoteTable(stateLog) + " ALTER COLUMN \"entries\" SET STORAGE EXTERNAL";
    }

    /**
     * Creates the offsets, state, checkpoints and state log tables and {@code deadLetterTables} where they do not
     * exist, in one transaction. The state log's storage is set only where it is not already: the change takes an
     * exclusive lock on the table, which running commits would wait for.
     */
    public static Mono<Void> create(
            ConnectionFactory connectionFactory, OnceflowTables tables, List<String> deadLetterTables) {
        List<String> statements = new ArrayList<>(createTables(tables));
        Map<String, TableSpec> specs = new LinkedHashMap<>();
        specs.put(tables.offsets(), TableSpec.OFFSETS);
        specs.put(tables.state(), TableSpec.STATE);
        specs.put(tables.checkpoints(), TableSpec.CHECKPOINTS);
        specs.put(tables.stateLog(), TableSpec.STATE_LOG);
        for (String table : deadLetterTables) {
            statements.add(deadLetterDdl(table));
            specs.put(table, TableSpec.DEAD_LETTERS);
        }
        return Transactions.run(
                        connectionFactory,
                        connection -> Flux.fromIterable(statements)
                                .concatMap(sql -> run(connection, sql))
                                // columns added to a shape since a table was made: only where they are missing, since
                                // ALTER TABLE waits for every transaction on the table, running commits among them
                                .thenMany(Flux.fromIterable(specs.entrySet()))
                                .concatMap(table -> Catalog.describe(connection, table.getKey())
                                        .flatMapMany(info -> {
                                            List<TableSpec.Column> missing = missingAddable(info, table.getValue());
                                            return missing.isEmpty()
                                                    ? Flux.<Long>empty()
                                                    : run(
                                                            connection,
                                                            table.getValue().addColumns(table.getKey(), missing));
                                        }))
                                // read to the end before the next statement: they share the connection
                                .then(Catalog.columnStorage(connection, tables.stateLog(), "entries"))
                                // (a table without the column is left to the check at open, which says so)
                                .flatMap(storage -> storage == 'e'
                                        ? Mono.<Long>empty()
                                        : run(connection, uncompressedLog(tables.stateLog()))
                                                .then(Mono.<Long>empty()))
                                .then(Mono.just(Boolean.TRUE)))
                .then();
    }

    private static Flux<Long> run(Connection connection, String sql) {
        return Flux.from(connection.createStatement(sql).execute()).concatMap(Result::getRowsUpdated);
    }

    /** The DDL of a dead-letter table. */
    public static String deadLetterDdl(String table) {
        return TableSpec.DEAD_LETTERS.ddl(table);
    }

    /** Checks that the offsets, state, checkpoints and state log tables, and a dead-letter table if any, are in place. */
    static Mono<Void> checkOnceflowTables(
            Connection connection, OnceflowTables tables, @Nullable String deadLetterTable) {
        List<Mono<Void>> checks = new ArrayList<>();
        checks.add(check(connection, tables.offsets(), TableSpec.OFFSETS, tables));
        checks.add(check(connection, tables.state(), TableSpec.STATE, tables));
        checks.add(check(connection, tables.checkpoints(), TableSpec.CHECKPOINTS, tables));
        checks.add(check(connection, tables.stateLog(), TableSpec.STATE_LOG, tables));
        if (deadLetterTable != null) {
            checks.add(checkDeadLetterTable(connection, deadLetterTable));
        }
        return Flux.concat(checks).then();
    }

    /** Checks that a dead-letter table is in place. */
    static Mono<Void> checkDeadLetterTable(Connection connection, String table) {
        return check(connection, table, TableSpec.DEAD_LETTERS, null);
    }

    private static Mono<Void> check(
            Connection connection, String table, TableSpec spec, @Nullable OnceflowTables tables) {
        return Catalog.describeWithFillfactor(connection, table)
                .doOnNext(info -> {
                    verify(info, spec, tables);
                    fillfactorWarning(info, spec).ifPresent(LOG::warn);
                })
                .then();
    }

    /**
     * What to run when {@code info}'s pages are packed fuller than {@code spec} asks, or empty when they are not or
     * when {@code spec} asks for full pages.
     */
    static Optional<String> fillfactorWarning(TableInfo info, TableSpec spec) {
        if (spec.fillfactor() == TableSpec.FULL_PAGES || !info.exists() || info.fillfactor() <= spec.fillfactor()) {
            return Optional.empty();
        }
        String table = SqlNames.quoteTable(info.table());
        return Optional.of("the " + spec.role() + " table " + table + " has fillfactor " + info.fillfactor()
                + ", not " + spec.fillfactor() + " (created by an earlier version of Onceflow, or altered since):"
                + " checkpoints update the row of every key they changed, and a row's new version stays in its page,"
                + " without a new index entry (a heap-only update), only when the page has room for it; in full pages"
                + " every checkpoint's write is slower and the table bloats. Run ALTER TABLE " + table
                + " SET (fillfactor = " + spec.fillfactor() + ") for the pages to come, then, in a quiet moment,"
                + " VACUUM FULL " + table + " for the existing ones (it rewrites the table under an exclusive lock,"
                + " which stops checkpoints until it is done)");
    }

    /** Throws when {@code info} does not have the shape of {@code spec}. */
    static void verify(TableInfo info, TableSpec spec, @Nullable OnceflowTables tables) {
        String table = info.table();
        String create = tables != null
                ? "create Onceflow's tables with OnceflowTables.create(connectionFactory), or run:\n"
                        + String.join(";\n", ddl(tables)) + ";"
                : "create it with OnceflowTables.defaults().create(connectionFactory, \"" + table + "\"), or run:\n"
                        + spec.ddl(table) + ";";
        if (!info.exists()) {
            throw new PipelineConfigurationException(
                    "the " + spec.role() + " table " + SqlNames.quoteTable(table) + " does not exist: " + create);
        }
        List<TableSpec.Column> missing = missingAddable(info, spec);
        if (!missing.isEmpty() && missing.size() == missingColumns(info, spec)) {
            throw new PipelineConfigurationException("the " + spec.role() + " table " + SqlNames.quoteTable(table)
                    + " has no column "
                    + missing.stream().map(TableSpec.Column::name).collect(Collectors.joining(", "))
                    + " (added to Onceflow's tables since it was made): add "
                    + (missing.size() == 1 ? "it" : "them")
                    + " with OnceflowTables.create(...), or run: " + spec.addColumns(table, missing) + ";");
        }
        List<String> problems = new ArrayList<>();
        for (TableSpec.Column column : spec.columns()) {
            ColumnInfo found = info.column(column.name());
            if (found == null) {
                problems.add("column " + column.name() + " is missing");
            } else if (!found.type().equals(column.type())) {
                problems.add("column " + column.name() + " is " + found.fullType() + ", not " + column.type());
            }
        }
        if (!info.hasUniqueKey(new HashSet<>(spec.primaryKey()))) {
            problems.add("no unique key on (" + String.join(", ", spec.primaryKey()) + ")");
        }
        if (!spec.unique().isEmpty() && !info.hasUniqueKey(new HashSet<>(spec.unique()))) {
            problems.add("no unique key on (" + String.join(", ", spec.unique()) + ")");
        }
        if (!problems.isEmpty()) {
            throw new PipelineConfigurationException("the " + spec.role() + " table " + SqlNames.quoteTable(table)
                    + " does not have Onceflow's shape (" + String.join("; ", problems) + "): drop it and "
                    + create);
        }
    }

    /** The columns of {@code spec} that {@code info} lacks and that can be added to a table in use. */
    private static List<TableSpec.Column> missingAddable(TableInfo info, TableSpec spec) {
        if (!info.exists()) {
            return List.of();
        }
        return spec.columns().stream()
                .filter(column -> info.column(column.name()) == null && TableSpec.addable(column))
                .toList();
    }

    private static long missingColumns(TableInfo info, TableSpec spec) {
        return spec.columns().stream()
                .filter(column -> info.column(column.name()) == null)
                .count();
    }

    /**
     * Checks a sink's target table: it exists, has the key columns with a unique key on exactly them, and, for an
     * idempotent sink, the version columns.
     *
     * @param versionColumns the partition, offset and ordinal columns of an idempotent sink, or {@code null}
     */
    static void verifyTarget(TableInfo info, List<String> keyColumns, @Nullable List<String> versionColumns) {
        String table = SqlNames.quoteTable(info.table());
        String keys = keyColumns.stream().map(SqlNames::quoteColumn).collect(Collectors.joining(", "));
        if (!info.exists()) {
            String versions = versionColumns == null
                    ? ""
                    : ", " + SqlNames.quoteColumn(versionColumns.get(0)) + " text NOT NULL, "
                            + SqlNames.quoteColumn(versionColumns.get(1)) + " bigint NOT NULL, "
                            + SqlNames.quoteColumn(versionColumns.get(2)) + " integer NOT NULL DEFAULT 0";
            throw new PipelineConfigurationException("the sink's table " + table + " does not exist: create it with"
                    + " its key and the columns the mapper writes, for example: CREATE TABLE " + table + " ("
                    + keyColumns.stream()
                            .map(k -> SqlNames.quoteColumn(k) + " <type>")
                            .collect(Collectors.joining(", "))
                    + ", <the mapper's columns>" + versions + ", PRIMARY KEY (" + keys + "))");
        }
        for (String key : keyColumns) {
            if (info.column(key) == null) {
                throw new PipelineConfigurationException("the sink's table " + table + " has no key column "
                        + SqlNames.quoteColumn(key) + ": add it, or fix key(...); its columns are "
                        + info.columns().keySet());
            }
        }
        Set<String> keySet = new HashSet<>(keyColumns);
        if (!info.hasUniqueKey(keySet)) {
            throw new PipelineConfigurationException("the sink's table " + table + " has no unique key on exactly ("
                    + keys + "), which the upsert's ON CONFLICT needs: ALTER TABLE " + table + " ADD PRIMARY KEY ("
                    + keys + "), or CREATE UNIQUE INDEX ON " + table + " (" + keys + ")"
                    + " (not partial, not deferrable)");
        }
        if (versionColumns != null) {
            verifyVersionColumn(info, table, versionColumns.get(0), "text", "the source partition");
            verifyVersionColumn(info, table, versionColumns.get(1), "bigint", "the source offset");
            verifyVersionColumn(
                    info, table, versionColumns.get(2), "integer", "the row's ordinal among its record's rows");
        }
    }

    private static void verifyVersionColumn(TableInfo info, String table, String column, String type, String what) {
        ColumnInfo found = info.column(column);
        if (found == null) {
            throw new PipelineConfigurationException("an idempotent sink guards its upsert with the record's version,"
                    + " but the table " + table + " has no column " + SqlNames.quoteColumn(column) + " for " + what
                    + ": ALTER TABLE " + table + " ADD COLUMN " + SqlNames.quoteColumn(column) + " " + type
                    + (type.equals("integer") ? " NOT NULL DEFAULT 0" : "")
                    + ", or name the existing columns with versionColumns(...)");
        }
        boolean fits = type.equals("text")
                ? found.kind() == ColumnKind.STRING && !found.baseTypeName().equals("bpchar")
                : type.equals("integer")
                        ? found.type().equals("integer") || found.type().equals("bigint")
                        : found.type().equals("bigint");
        if (!fits) {
            throw new PipelineConfigurationException("the version column " + SqlNames.quoteColumn(column) + " of "
                    + table + " holds " + what + " and must be " + type + ", but is " + found.fullType()
                    + ": ALTER TABLE " + table + " ALTER COLUMN " + SqlNames.quoteColumn(column) + " TYPE " + type);
        }
    }
}
