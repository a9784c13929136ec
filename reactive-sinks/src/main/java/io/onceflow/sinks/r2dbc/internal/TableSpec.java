package io.onceflow.sinks.r2dbc.internal;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The shape of one of Onceflow's own tables: the one description from which its DDL is written and against which
 * an existing table is checked at open.
 *
 * @param role what the table is for, in messages ({@code "offsets"})
 * @param columns the columns, in order
 * @param primaryKey the primary key columns
 * @param unique another unique key, or empty
 * @param fillfactor how full PostgreSQL packs the table's pages at insert, in percent: 100 (its default) for tables
 *     written once or with few rows; less for a table whose every row is updated again and again, so that the new
 *     version of a row finds room in its own page (a heap-only tuple, no new index entry)
 */
record TableSpec(String role, List<Column> columns, List<String> primaryKey, List<String> unique, int fillfactor) {

    /** PostgreSQL's default: pages packed full. */
    static final int FULL_PAGES = 100;

    /**
     * The state table's fillfactor: a checkpoint updates every key it changed, and when it changed every key of a page,
     * their new versions need as much room again in that page (the previous checkpoint's versions are dead and
     * pruned by then, this one's replaced versions not yet). Measured with the commit point's own statement,
     * {@code StateTableFillfactorBenchmark}: 99% of the updates heap-only instead of 1%, a checkpoint's state write
     * a third faster, and the table a quarter of the size (dead versions in full pages took index entries with them).
     */
    static final int STATE_FILLFACTOR = 50;

    /**
     * A column of an Onceflow table.
     *
     * @param name the name
     * @param type the type as {@code format_type} spells it without modifiers; what the check compares
     * @param ddlType the type in the DDL ({@code bigserial} for a generated id)
     * @param notNull whether it is {@code NOT NULL}
     * @param defaultValue a {@code DEFAULT} expression, or empty
     */
    record Column(String name, String type, String ddlType, boolean notNull, String defaultValue) {}

    static Column notNull(String name, String type) {
        return new Column(name, type, type, true, "");
    }

    static Column nullable(String name, String type) {
        return new Column(name, type, type, false, "");
    }

    /** {@code CREATE TABLE IF NOT EXISTS} for this shape, named {@code table}. */
    String ddl(String table) {
        String body = columns.stream()
                .map(c -> "  " + SqlNames.quoteColumn(c.name()) + " " + c.ddlType() + (c.notNull() ? " NOT NULL" : "")
                        + (c.defaultValue().isEmpty() ? "" : " DEFAULT " + c.defaultValue()))
                .collect(Collectors.joining(",\n"));
        String keys = ",\n  PRIMARY KEY (" + quoted(primaryKey) + ")"
                + (unique.isEmpty() ? "" : ",\n  UNIQUE (" + quoted(unique) + ")");
        String storage = fillfactor == FULL_PAGES ? "" : " WITH (fillfactor = " + fillfactor + ")";
        return "CREATE TABLE IF NOT EXISTS " + SqlNames.quoteTable(table) + " (\n" + body + keys + "\n)" + storage;
    }

    /**
     * {@code ALTER TABLE} adding {@code missing}, columns of this shape that can be added to a table in use: nullable,
     * without a default, so that PostgreSQL adds them without rewriting the table.
     */
    String addColumns(String table, List<Column> missing) {
        return "ALTER TABLE " + SqlNames.quoteTable(table) + " "
                + missing.stream()
                        .map(c -> "ADD COLUMN IF NOT EXISTS " + SqlNames.quoteColumn(c.name()) + " " + c.ddlType())
                        .collect(Collectors.joining(", "));
    }

    /** Whether {@code column} can be added to a table in use ({@link #addColumns}). */
    static boolean addable(Column column) {
        return !column.notNull() && column.defaultValue().isEmpty();
    }

    private static String quoted(List<String> columns) {
        return columns.stream().map(SqlNames::quoteColumn).collect(Collectors.joining(", "));
    }

    /** The offsets table: the committed next offset and the owner's epoch, per pipeline and source partition. */
    static final TableSpec OFFSETS = new TableSpec(
            "offsets",
            List.of(
                    notNull("pipeline", "text"),
                    notNull("source", "text"),
                    notNull("source_partition", "integer"),
                    nullable("next_offset", "bigint"),
                    notNull("epoch", "bigint"),
                    notNull("owner", "text"),
                    nullable("checkpoint_id", "bigint"),
                    new Column("updated_at", "timestamp with time zone", "timestamptz", true, "now()")),
            List.of("pipeline", "source", "source_partition"),
            List.of(),
            FULL_PAGES);

    /** The state table: keyed-state entries per pipeline, source partition, operator and key. */
    static final TableSpec STATE = new TableSpec(
            "state",
            List.of(
                    notNull("pipeline", "text"),
                    notNull("source", "text"),
                    notNull("source_partition", "integer"),
                    notNull("operator", "text"),
                    notNull("state_key", "text"),
                    notNull("state_value", "bytea"),
                    notNull("checkpoint_id", "bigint")),
            List.of("pipeline", "source", "source_partition", "operator", "state_key"),
            List.of(),
            STATE_FILLFACTOR);

    /**
     * The state log: per pipeline, source partition, epoch and checkpoint, that checkpoint's state changes of the
     * partition in one value ({@code StateLog}); rows live until the partition's next fold.
     */
    static final TableSpec STATE_LOG = new TableSpec(
            "state log",
            List.of(
                    notNull("pipeline", "text"),
                    notNull("source", "text"),
                    notNull("source_partition", "integer"),
                    notNull("epoch", "bigint"),
                    notNull("checkpoint_id", "bigint"),
                    notNull("entries", "bytea")),
            List.of("pipeline", "source", "source_partition", "epoch", "checkpoint_id"),
            List.of(),
            FULL_PAGES);

    /** The checkpoints table: per pipeline instance, its epoch and the last completed checkpoint id. */
    static final TableSpec CHECKPOINTS = new TableSpec(
            "checkpoints",
            List.of(
                    notNull("pipeline", "text"),
                    notNull("instance_id", "text"),
                    notNull("epoch", "bigint"),
                    notNull("checkpoint_id", "bigint"),
                    new Column("committed_at", "timestamp with time zone", "timestamptz", false, "")),
            List.of("pipeline", "instance_id"),
            List.of(),
            FULL_PAGES);

    /**
     * A dead-letter table: one row per record that could not be processed or written, with its origin. Unique by
     * origin, stage and ordinal, so that an idempotent sink's replay inserts nothing twice. {@code payload_length} and
     * {@code payload_sha256} describe a payload that was cut ({@code DeadLetterStatements}); they came after the
     * others, and {@code OnceflowTables.create} adds them to a table made without them.
     */
    static final TableSpec DEAD_LETTERS = new TableSpec(
            "dead letters",
            List.of(
                    new Column("id", "bigint", "bigserial", true, ""),
                    notNull("pipeline", "text"),
                    notNull("sink", "text"),
                    notNull("checkpoint_id", "bigint"),
                    notNull("source", "text"),
                    notNull("source_partition", "integer"),
                    notNull("source_offset", "bigint"),
                    notNull("source_timestamp", "bigint"),
                    notNull("stage", "text"),
                    notNull("ordinal", "integer"),
                    notNull("error_class", "text"),
                    notNull("error_message", "text"),
                    nullable("sql_state", "text"),
                    nullable("stack_summary", "text"),
                    nullable("payload", "text"),
                    nullable("payload_bytes", "bytea"),
                    nullable("payload_length", "bigint"),
                    nullable("payload_sha256", "text"),
                    new Column("created_at", "timestamp with time zone", "timestamptz", true, "now()")),
            List.of("id"),
            List.of("pipeline", "source", "source_partition", "source_offset", "stage", "ordinal"),
            FULL_PAGES);
}
