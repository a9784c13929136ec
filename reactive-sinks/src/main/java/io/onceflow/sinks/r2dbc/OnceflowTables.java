package io.onceflow.sinks.r2dbc;

import static java.util.Objects.requireNonNull;

import io.onceflow.sinks.r2dbc.internal.Schema;
import io.onceflow.sinks.r2dbc.internal.SqlNames;
import io.r2dbc.spi.ConnectionFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * The names of Onceflow's own tables in PostgreSQL, and their DDL: the one place where it is written.
 *
 * <table>
 *   <caption>Onceflow's tables</caption>
 *   <tr><th>table</th><th>default name</th><th>one row per</th><th>written by</th></tr>
 *   <tr><td>offsets</td><td>{@code onceflow_offsets}</td><td>pipeline and source partition: the committed next
 *       offset, the owner's epoch, the checkpoint id</td><td>a commit point, on every commit and claim</td></tr>
 *   <tr><td>state</td><td>{@code onceflow_state}</td><td>pipeline, source partition, keyed operator and key: the
 *       encoded state as of the partition's last fold</td><td>a commit point, when it folds a partition's state log
 *       </td></tr>
 *   <tr><td>state log</td><td>{@code onceflow_state_log}</td><td>pipeline, source partition and checkpoint since the
 *       partition's last fold: that checkpoint's state changes of the partition, in one value that only Onceflow
 *       reads</td><td>a commit point, with each checkpoint; every few checkpoints it folds a partition's rows into
 *       the state table and deletes them</td></tr>
 *   <tr><td>checkpoints</td><td>{@code onceflow_checkpoints}</td><td>pipeline instance: its epoch and its last
 *       completed checkpoint id</td><td>a commit point, on open and on every commit</td></tr>
 *   <tr><td>dead letters</td><td>chosen per sink</td><td>record that could not be processed or written, with its
 *       origin, error and payload</td><td>the sink or store it is configured on</td></tr>
 * </table>
 *
 * <p>{@link #ddl()} and {@link #deadLetterDdl(String)} give the {@code CREATE TABLE IF NOT EXISTS} statements, to
 * run with a migration tool; {@link #create} runs them. A sink or store checks at open that the tables it needs exist
 * with the right column types, and otherwise fails with the statement to run. Names are checked like every table
 * name (letters, digits, {@code _}, optionally {@code schema.table}) and quoted, so they are case-sensitive.
 *
 * <pre>{@code
 * Mono<Void> tables = OnceflowTables.defaults().create(connectionFactory, "ledger_dead_letters");
 * Flux<CheckpointEvent> running = tables.thenMany(ledger.run());
 * }</pre>
 *
 * @param offsets the offsets table; defaults to {@code onceflow_offsets}
 * @param state the state table; defaults to {@code onceflow_state}
 * @param checkpoints the checkpoints table; defaults to {@code onceflow_checkpoints}
 * @param stateLog the state log table; defaults to the state table's name followed by {@code _log}
 * @since 0.1
 */
public record OnceflowTables(String offsets, String state, String checkpoints, String stateLog) {

    public OnceflowTables {
        SqlNames.checkTable("offsets table", offsets);
        SqlNames.checkTable("state table", state);
        SqlNames.checkTable("checkpoints table", checkpoints);
        SqlNames.checkTable("state log table", stateLog);
        if (new HashSet<>(List.of(offsets, state, checkpoints, stateLog)).size() != 4) {
            throw new IllegalArgumentException(
                    "the offsets, state, checkpoints and state log tables must be four tables, were " + offsets + ", "
                            + state + ", " + checkpoints + ", " + stateLog);
        }
    }

    /**
     * Onceflow's tables with the state log named after the state table ({@code state + "_log"}).
     *
     * @since 0.1
     */
    public OnceflowTables(String offsets, String state, String checkpoints) {
        this(offsets, state, checkpoints, state + "_log");
    }

    /** {@code onceflow_offsets}, {@code onceflow_state}, {@code onceflow_checkpoints}, {@code onceflow_state_log}. */
    public static OnceflowTables defaults() {
        return new OnceflowTables("onceflow_offsets", "onceflow_state", "onceflow_checkpoints");
    }

    /** The default names in {@code schema}: {@code schema.onceflow_offsets}, and so on. */
    public static OnceflowTables inSchema(String schema) {
        SqlNames.checkColumn("schema", schema);
        return new OnceflowTables(
                schema + ".onceflow_offsets", schema + ".onceflow_state", schema + ".onceflow_checkpoints");
    }

    /**
     * The {@code CREATE TABLE IF NOT EXISTS} statements of the offsets, state, checkpoints and state log tables, then
     * an {@code ALTER TABLE} that stores the state log's entries uncompressed: its rows are large and short-lived
     * (see reactive-sinks/README.md, "The state log"). The {@code ALTER} takes an exclusive lock on the state log
     * table for a moment: run it before pipelines start, as a migration tool does.
     */
    public List<String> ddl() {
        return Schema.ddl(this);
    }

    /** The {@code CREATE TABLE IF NOT EXISTS} statement of a dead-letter table named {@code table}. */
    public static List<String> deadLetterDdl(String table) {
        return List.of(Schema.deadLetterDdl(SqlNames.checkTable("dead-letter table", table)));
    }

    /**
     * Creates the offsets, state, checkpoints and state log tables and the given dead-letter tables where they do not exist,
     * in one transaction. Existing tables are left as they are, except a state log table whose entries are still
     * stored compressed (created by an earlier version): that is changed, for the rows to come (an exclusive lock
     * held for a moment, after the commits running on it).
     *
     * @param connectionFactory where to create them
     * @param deadLetterTables dead-letter tables to create too
     * @return completes when the tables exist
     */
    public Mono<Void> create(ConnectionFactory connectionFactory, String... deadLetterTables) {
        requireNonNull(connectionFactory, "connectionFactory");
        List<String> deadLetters = new ArrayList<>();
        for (String table : deadLetterTables) {
            deadLetters.add(SqlNames.checkTable("dead-letter table", table));
        }
        return Schema.create(connectionFactory, this, deadLetters);
    }
}
