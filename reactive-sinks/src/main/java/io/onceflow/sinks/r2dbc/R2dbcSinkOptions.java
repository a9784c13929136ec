package io.onceflow.sinks.r2dbc;

import static java.util.Objects.requireNonNull;

import io.onceflow.sinks.r2dbc.internal.SqlNames;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * The settings of an {@link R2dbcUpsertSink}, validated when built.
 *
 * <pre>{@code
 * R2dbcSinkOptions<Balance> options = R2dbcSinkOptions.<Balance>builder()
 *         .connectionFactory(pool)
 *         .table("balances").key("account")
 *         .columns(b -> Row.of("account", b.account(), "balance_cents", b.cents()))
 *         .commitPoint()
 *         .deadLetterTable("ledger_dead_letters")
 *         .build();
 * }</pre>
 *
 * @param name the sink's name in meters, logs and dead letters; defaults to the table name
 * @param connectionFactory where to connect; an {@code io.r2dbc.pool.ConnectionPool} is strongly advised, since the
 *     sink takes a connection per checkpoint and gives it back after. The sink does not close it. Required
 * @param table the target table, optionally {@code schema.table}; required
 * @param keyColumns the columns of the table's primary key or unique index that the upsert's {@code ON CONFLICT}
 *     targets; required, one or more
 * @param columns maps a record to the columns it writes; every row must name the key columns; required
 * @param mode commit point or idempotent participant; required, no default: the guarantee is chosen at the call site
 * @param deadLetterTable where records that cannot be written (a constraint violation, a value too long, invalid
 *     JSON) go, with their origin, in the same transaction as the rest of their checkpoint; for a commit point also
 *     the pipeline's dead letters. Defaults to none: such a record stops the pipeline with an error that names it
 * @param lastWriteWins whether the records of one key in one checkpoint are coalesced to the last one before
 *     writing. The table ends the same either way; coalescing sends fewer rows, but triggers see only the last
 *     write. Defaults to {@code false}: every record is written, in order
 * @param rowKey with {@code lastWriteWins}, a function that gives the key of the row a record writes without making
 *     the row: the key column's value for a one-column key, a {@link List} of the key columns' values in
 *     {@code key(...)} order for several. The sink then keeps only the newest record of each key and calls
 *     {@code columns} for it alone, on the commit path, instead of for every record on the data path (a keyed job
 *     that updates a few thousand balances with a million records a second spends most of its sink's time making
 *     rows it then drops). Every row made is checked against the key the function gave for its record, and a
 *     difference stops the pipeline with a {@link io.onceflow.core.PipelineConfigurationException} naming the
 *     record: a function that gave two rows' records one key would otherwise drop one of the rows. Since a
 *     superseded record is never mapped, a key's row in a checkpoint is its newest record's: when that record
 *     cannot be written (its {@code columns} throws, or the database refuses its row) it is dead-lettered and the
 *     key's row keeps its value from before the checkpoint, as a refused coalesced row does without the function.
 *     The row is made after later records went by, so a record must not change once emitted (a keyed operator's
 *     state is an immutable value, as {@link io.onceflow.core.KeyedProcessor} asks), and on the commit path's
 *     thread, possibly while the data path makes the rows it streams: {@code columns} must be a function of the
 *     record alone. {@code null} (the default): rows are made for every record, and coalesced by their key
 * @param chunkSize rows per statement; each chunk is one round trip. Defaults to {@code 5000}; at most
 *     {@code 100000}
 * @param maxBufferedRecords records the sink holds before the pipeline takes an early checkpoint and then waits for
 *     it. Defaults to {@code 100000}. The bound counts records, not bytes: size it for the rows you write, or cut
 *     checkpoints by volume with the pipeline's {@code checkpointAfterBytes}
 * @param versionColumns for the idempotent mode, the row's version: the text column that holds the source partition
 *     ({@code topic-3}), the bigint column that holds the offset of the record that last wrote the row, and the
 *     integer column that holds the row's place among the rows that record wrote (a record may write a key twice).
 *     Defaults to {@code onceflow_partition}, {@code onceflow_offset} and {@code onceflow_ordinal}; unused by a
 *     commit point
 * @param tables Onceflow's offsets, state and checkpoints tables, for a commit point. Defaults to
 *     {@link OnceflowTables#defaults()}; unused by an idempotent sink
 * @param jsonMapper writes values for {@code json} and {@code jsonb} columns, and dead letters' payloads. Defaults to
 *     {@link JsonMapper#shared()}
 * @param streamRows for a commit point: whether a checkpoint's rows go into its transaction while its records arrive
 *     (a chunk at a time, once {@link #STREAM_CHUNK_ROWS} or {@code chunkSize} rows wait, whichever is fewer), so
 *     that its marker leaves only the last rows, the state, the positions and {@code COMMIT} to do. The rows written
 *     so far stay locked until the commit: another writer of the same keys (a new owner replaying a partition that
 *     moved) waits for it, at most the checkpoint interval and the commit, or {@code openTransactionTimeout} for an
 *     owner that froze. Defaults to {@code true} when every record is written, {@code false} with
 *     {@code lastWriteWins}: coalesced rows streamed early are written again each time their key changes before the
 *     marker, and on a ledger whose 10,000 accounts all change every checkpoint that made p99 latency worse
 *     (docs/benchmarks.md). Unused by an idempotent sink
 * @param openTransactionTimeout for a commit point: the longest a checkpoint's transaction may sit idle between two
 *     statements before the server ends it ({@code idle_in_transaction_session_timeout}, set for that transaction
 *     only), whether it streams rows or is opened at the marker. It bounds how long an owner frozen or unreachable
 *     mid-commit keeps its rows and the offsets rows its fence locked, which a new owner's claim of those partitions
 *     waits for; a crashed one's connection closes and its locks go at once. A checkpoint whose open transaction was ended (by this timeout, a
 *     lost connection, a server restart or a refused row) is written again at its marker, in one transaction, as
 *     without streaming. Keep it well above the checkpoint interval. Defaults to 10 seconds
 * @param <T> the type of the records
 * @since 0.1
 */
public record R2dbcSinkOptions<T>(
        String name,
        ConnectionFactory connectionFactory,
        String table,
        List<String> keyColumns,
        Function<? super T, Row> columns,
        R2dbcSinkMode mode,
        @Nullable String deadLetterTable,
        boolean lastWriteWins,
        @Nullable Function<? super T, ?> rowKey,
        int chunkSize,
        int maxBufferedRecords,
        List<String> versionColumns,
        OnceflowTables tables,
        JsonMapper jsonMapper,
        boolean streamRows,
        Duration openTransactionTimeout) {

    /** The most rows a commit point waits for before it streams them into its open transaction. */
    public static final int STREAM_CHUNK_ROWS = 1_000;

    /** The default {@link #openTransactionTimeout()}. */
    public static final Duration DEFAULT_OPEN_TRANSACTION_TIMEOUT = Duration.ofSeconds(10);

    /** The default rows per statement. */
    public static final int DEFAULT_CHUNK_SIZE = 5_000;

    /** The largest chunk size allowed. */
    public static final int MAX_CHUNK_SIZE = 100_000;

    /** The default buffer bound, in records. */
    public static final int DEFAULT_MAX_BUFFERED_RECORDS = 100_000;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

    public R2dbcSinkOptions {
        requireNonNull(name, "name");
        requireNonNull(connectionFactory, "connectionFactory");
        requireNonNull(columns, "columns");
        requireNonNull(mode, "mode");
        requireNonNull(tables, "tables");
        requireNonNull(jsonMapper, "jsonMapper");
        requireNonNull(openTransactionTimeout, "openTransactionTimeout");
        if (openTransactionTimeout.toMillis() < 1) {
            throw new IllegalArgumentException(
                    "openTransactionTimeout must be at least a millisecond, was " + openTransactionTimeout);
        }
        SqlNames.checkTable("table", table);
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "sink name must be 1 to 100 letters, digits, '.', '_', ':' or '-', was '" + name + "'");
        }
        keyColumns = List.copyOf(requireNonNull(keyColumns, "keyColumns"));
        if (keyColumns.isEmpty()) {
            throw new IllegalArgumentException("sink '" + name + "' has no key: give key(...) the columns of the"
                    + " table's primary key or unique index");
        }
        keyColumns.forEach(key -> SqlNames.checkColumn("key column", key));
        if (new HashSet<>(keyColumns).size() != keyColumns.size()) {
            throw new IllegalArgumentException("key columns must be distinct, were " + keyColumns);
        }
        if (deadLetterTable != null) {
            SqlNames.checkTable("dead-letter table", deadLetterTable);
            if (deadLetterTable.equals(table)) {
                throw new IllegalArgumentException("the dead-letter table must not be the sink's table, " + table);
            }
        }
        if (rowKey != null && !lastWriteWins) {
            throw new IllegalArgumentException("a rowKey function coalesces a key's records to the newest: it needs"
                    + " lastWriteWins; give lastWriteWins(rowKey) instead");
        }
        if (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
            throw new IllegalArgumentException(
                    "chunkSize must be between 1 and " + MAX_CHUNK_SIZE + ", was " + chunkSize);
        }
        if (maxBufferedRecords < 1) {
            throw new IllegalArgumentException("maxBufferedRecords must be >= 1, was " + maxBufferedRecords);
        }
        versionColumns = List.copyOf(requireNonNull(versionColumns, "versionColumns"));
        if (versionColumns.size() != 3) {
            throw new IllegalArgumentException("versionColumns are three: the partition column, the offset column and"
                    + " the ordinal column, were " + versionColumns);
        }
        versionColumns.forEach(column -> SqlNames.checkColumn("version column", column));
        if (new HashSet<>(versionColumns).size() != 3) {
            throw new IllegalArgumentException("the three version columns must differ, were " + versionColumns);
        }
        if (mode == R2dbcSinkMode.IDEMPOTENT) {
            for (String column : versionColumns) {
                if (keyColumns.contains(column)) {
                    throw new IllegalArgumentException("version column '" + column + "' must not be a key column");
                }
            }
        }
    }

    /** A builder with every default set and the required settings missing. */
    public static <T> Builder<T> builder() {
        return new Builder<>();
    }

    /** A builder holding these options, to change some of them. */
    public Builder<T> toBuilder() {
        return new Builder<T>()
                .name(name)
                .connectionFactory(connectionFactory)
                .table(table)
                .keys(keyColumns)
                .columns(columns)
                .mode(mode)
                .deadLetterTable(deadLetterTable)
                .lastWriteWins(lastWriteWins)
                .rowKey(rowKey)
                .chunkSize(chunkSize)
                .maxBufferedRecords(maxBufferedRecords)
                .versionColumns(versionColumns.get(0), versionColumns.get(1), versionColumns.get(2))
                .tables(tables)
                .jsonMapper(jsonMapper)
                .streamRows(streamRows)
                .openTransactionTimeout(openTransactionTimeout);
    }

    /** These options in another mode: {@code R2dbcUpsertSink.create(balances.withMode(IDEMPOTENT))}. */
    public R2dbcSinkOptions<T> withMode(R2dbcSinkMode newMode) {
        return toBuilder().mode(newMode).build();
    }

    /** Says what the sink writes, and where; never the connection factory's settings, which may hold secrets. */
    @Override
    public String toString() {
        return "R2dbcSinkOptions[name=" + name + ", table=" + table + ", key=" + keyColumns + ", mode=" + mode
                + ", deadLetterTable=" + deadLetterTable + ", lastWriteWins=" + lastWriteWins
                + (rowKey == null ? "" : " (by a row key function)") + ", chunkSize="
                + chunkSize + ", maxBufferedRecords=" + maxBufferedRecords + ", versionColumns=" + versionColumns
                + ", tables=" + tables + ", streamRows=" + streamRows + ", openTransactionTimeout="
                + openTransactionTimeout + ", connectionFactory="
                + connectionFactory.getClass().getSimpleName() + "]";
    }

    /**
     * Assembles {@link R2dbcSinkOptions}; {@link #build()} checks them together.
     *
     * @param <T> the type of the records
     */
    public static final class Builder<T> {
        private @Nullable String name;
        private @Nullable ConnectionFactory connectionFactory;
        private @Nullable String table;
        private List<String> keyColumns = List.of();
        private @Nullable Function<? super T, Row> columns;
        private @Nullable R2dbcSinkMode mode;
        private @Nullable String deadLetterTable;
        private boolean lastWriteWins;
        private @Nullable Function<? super T, ?> rowKey;
        private int chunkSize = DEFAULT_CHUNK_SIZE;
        private int maxBufferedRecords = DEFAULT_MAX_BUFFERED_RECORDS;
        private List<String> versionColumns = List.of("onceflow_partition", "onceflow_offset", "onceflow_ordinal");
        private OnceflowTables tables = OnceflowTables.defaults();
        private JsonMapper jsonMapper = JsonMapper.shared();
        private @Nullable Boolean streamRows;
        private Duration openTransactionTimeout = DEFAULT_OPEN_TRANSACTION_TIMEOUT;

        private Builder() {}

        /** The sink's name. Defaults to the table name. */
        public Builder<T> name(String sinkName) {
            this.name = requireNonNull(sinkName, "name");
            return this;
        }

        /** Where to connect; a connection pool is advised. Required. */
        public Builder<T> connectionFactory(ConnectionFactory factory) {
            this.connectionFactory = requireNonNull(factory, "connectionFactory");
            return this;
        }

        /** The target table, optionally {@code schema.table}. Required. */
        public Builder<T> table(String tableName) {
            this.table = requireNonNull(tableName, "table");
            return this;
        }

        /** The key columns: the table's primary key or a unique index. Required. */
        public Builder<T> key(String column, String... more) {
            requireNonNull(column, "column");
            String[] all = new String[more.length + 1];
            all[0] = column;
            System.arraycopy(more, 0, all, 1, more.length);
            return keys(List.of(all));
        }

        private Builder<T> keys(List<String> all) {
            this.keyColumns = all;
            return this;
        }

        /** Maps a record to the columns it writes. Required. */
        public Builder<T> columns(Function<? super T, Row> mapper) {
            this.columns = requireNonNull(mapper, "columns");
            return this;
        }

        /** Makes the sink the pipeline's commit point. One of this and {@link #idempotent()} is required. */
        public Builder<T> commitPoint() {
            return mode(R2dbcSinkMode.COMMIT_POINT);
        }

        /** Makes the sink an idempotent participant. One of this and {@link #commitPoint()} is required. */
        public Builder<T> idempotent() {
            return mode(R2dbcSinkMode.IDEMPOTENT);
        }

        /** The sink's mode. Required. */
        public Builder<T> mode(R2dbcSinkMode sinkMode) {
            this.mode = requireNonNull(sinkMode, "mode");
            return this;
        }

        /** The dead-letter table, or {@code null} for none. Defaults to none. */
        public Builder<T> deadLetterTable(@Nullable String tableName) {
            this.deadLetterTable = tableName;
            return this;
        }

        /** Coalesces the records of a key within a checkpoint to the last one. */
        public Builder<T> lastWriteWins() {
            return lastWriteWins(true);
        }

        /**
         * Whether to coalesce the records of a key within a checkpoint. Defaults to {@code false}. {@code false} also
         * forgets a {@link #lastWriteWins(Function) rowKey} function.
         */
        public Builder<T> lastWriteWins(boolean coalesce) {
            this.lastWriteWins = coalesce;
            if (!coalesce) {
                this.rowKey = null;
            }
            return this;
        }

        /**
         * Coalesces the records of a key within a checkpoint to the newest one, and makes the row of that one only:
         * {@code rowKey} gives the key of the row a record writes, without making the row.
         *
         * <pre>{@code
         * .key("account")
         * .columns(Balance::row)
         * .lastWriteWins(Balance::account)        // one key column: its value
         *
         * .key("region", "account")
         * .lastWriteWins(b -> List.of(b.region(), b.account()))   // several: their values, in key(...) order
         * }</pre>
         *
         * <p>Every row made is checked against the key the function gave; see {@link R2dbcSinkOptions#rowKey()}.
         */
        public Builder<T> lastWriteWins(Function<? super T, ?> rowKeyFunction) {
            this.lastWriteWins = true;
            this.rowKey = requireNonNull(rowKeyFunction, "rowKey");
            return this;
        }

        private Builder<T> rowKey(@Nullable Function<? super T, ?> rowKeyFunction) {
            this.rowKey = rowKeyFunction;
            return this;
        }

        /** Rows per statement. Defaults to {@code 5000}. */
        public Builder<T> chunkSize(int rows) {
            this.chunkSize = rows;
            return this;
        }

        /** The buffer bound in records. Defaults to {@code 100000}. */
        public Builder<T> maxBufferedRecords(int records) {
            this.maxBufferedRecords = records;
            return this;
        }

        /**
         * The idempotent mode's partition and offset version columns; the ordinal column keeps its name. Defaults to
         * {@code onceflow_partition} (text) and {@code onceflow_offset} (bigint).
         */
        public Builder<T> versionColumns(String partitionColumn, String offsetColumn) {
            return versionColumns(partitionColumn, offsetColumn, versionColumns.get(2));
        }

        /**
         * The idempotent mode's version columns. Defaults to {@code onceflow_partition} (text),
         * {@code onceflow_offset} (bigint) and {@code onceflow_ordinal} (integer).
         */
        public Builder<T> versionColumns(String partitionColumn, String offsetColumn, String ordinalColumn) {
            this.versionColumns = List.of(
                    requireNonNull(partitionColumn, "partitionColumn"),
                    requireNonNull(offsetColumn, "offsetColumn"),
                    requireNonNull(ordinalColumn, "ordinalColumn"));
            return this;
        }

        /** Onceflow's tables, for a commit point. Defaults to {@link OnceflowTables#defaults()}. */
        public Builder<T> tables(OnceflowTables onceflowTables) {
            this.tables = requireNonNull(onceflowTables, "tables");
            return this;
        }

        /** The Jackson mapper for JSON columns and payloads. Defaults to {@link JsonMapper#shared()}. */
        public Builder<T> jsonMapper(JsonMapper mapper) {
            this.jsonMapper = requireNonNull(mapper, "jsonMapper");
            return this;
        }

        /**
         * For a commit point, whether rows go into the checkpoint's transaction while its records arrive. Defaults to
         * {@code true} without {@link #lastWriteWins()}, {@code false} with it; see
         * {@link R2dbcSinkOptions#streamRows()}.
         */
        public Builder<T> streamRows(boolean stream) {
            this.streamRows = stream;
            return this;
        }

        /**
         * For a commit point that streams rows, the longest its open transaction may sit idle. Defaults to 10
         * seconds; see {@link R2dbcSinkOptions#openTransactionTimeout()}.
         */
        public Builder<T> openTransactionTimeout(Duration timeout) {
            this.openTransactionTimeout = requireNonNull(timeout, "openTransactionTimeout");
            return this;
        }

        /**
         * The options.
         *
         * @throws IllegalArgumentException when a setting is invalid, with what to change
         * @throws NullPointerException when a required setting is missing
         */
        public R2dbcSinkOptions<T> build() {
            if (connectionFactory == null) {
                throw new NullPointerException("connectionFactory is required: give connectionFactory(...) a pool");
            }
            if (table == null) {
                throw new NullPointerException("table is required: give table(...) the target table");
            }
            if (columns == null) {
                throw new NullPointerException("columns is required: give columns(...) a record-to-Row mapper");
            }
            if (mode == null) {
                throw new IllegalArgumentException("sink for table '" + table + "' has no mode: call commitPoint()"
                        + " (data, state and offsets in one transaction) or idempotent() (a version-guarded"
                        + " participant)");
            }
            return new R2dbcSinkOptions<>(
                    name != null ? name : table,
                    connectionFactory,
                    table,
                    keyColumns,
                    columns,
                    mode,
                    deadLetterTable,
                    lastWriteWins,
                    rowKey,
                    chunkSize,
                    maxBufferedRecords,
                    versionColumns,
                    tables,
                    jsonMapper,
                    streamRows != null ? streamRows : !lastWriteWins,
                    openTransactionTimeout);
        }
    }
}
