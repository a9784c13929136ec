package io.onceflow.it.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CommitPoint;
import io.onceflow.core.IdempotentSink;
import io.onceflow.core.Onceflow;
import io.onceflow.core.PipelineConfigurationException;
import io.onceflow.core.Sink;
import io.onceflow.core.testkit.TestSource;
import io.onceflow.it.r2dbc.Ledger.Balance;
import io.onceflow.sinks.r2dbc.OnceflowTables;
import io.onceflow.sinks.r2dbc.PostgresCheckpointStore;
import io.onceflow.sinks.r2dbc.PostgresCheckpointStoreOptions;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.onceflow.sinks.r2dbc.Row;
import io.onceflow.sinks.r2dbc.internal.CatalogReads;
import io.onceflow.testinfra.PostgresDatabase;
import io.onceflow.testinfra.WithPostgres;
import io.r2dbc.pool.ConnectionPool;
import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Misconfiguration fails at open, before any record, with a {@link PipelineConfigurationException} that says what
 * to create or change; a mapper that does not fit the table fails the first checkpoint the same way. Onceflow's
 * own DDL creates what the checks expect, and can run again.
 */
@WithPostgres
class R2dbcConfigurationIT {

    private static ConnectionPool pool;

    @BeforeAll
    static void setUp(PostgresDatabase db) {
        pool = Databases.pool(db, 2);
    }

    @AfterAll
    static void tearDown() {
        pool.dispose();
    }

    @BeforeEach
    void clean(PostgresDatabase db) throws Exception {
        db.execute("DROP TABLE IF EXISTS balances, onceflow_offsets, onceflow_state, onceflow_checkpoints,"
                + " onceflow_state_log, dead_letters");
    }

    @Test
    void onceflowTablesAreCreatedOnceAndCheckedAtOpen(PostgresDatabase db) throws Exception {
        db.execute(Ledger.BALANCES_DDL);
        assertThatThrownBy(() -> openCommitPoint(options()))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("the offsets table \"onceflow_offsets\" does not exist")
                .hasMessageContaining("OnceflowTables.create(connectionFactory)")
                .hasMessageContaining("CREATE TABLE IF NOT EXISTS \"onceflow_offsets\"");

        OnceflowTables.defaults().create(pool, "dead_letters").block(Duration.ofSeconds(10));
        OnceflowTables.defaults().create(pool, "dead_letters").block(Duration.ofSeconds(10)); // again: no error
        assertThat(openCommitPoint(options())).isNotNull();
        // the state table leaves half of each page for the next checkpoint's versions of its rows (HOT updates)
        assertThat(db.queryForLong("SELECT count(*) FROM pg_class WHERE relname = 'onceflow_state'"
                        + " AND reloptions @> ARRAY['fillfactor=50']"))
                .isOne();

        // the state log, which an earlier version did not have: the open says what to create
        db.execute("DROP TABLE onceflow_state_log");
        assertThatThrownBy(() -> openCommitPoint(options()))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("the state log table \"onceflow_state_log\" does not exist")
                .hasMessageContaining("CREATE TABLE IF NOT EXISTS \"onceflow_state_log\"");
        OnceflowTables.defaults().create(pool).block(Duration.ofSeconds(10));
        assertThat(openCommitPoint(options())).isNotNull();
        assertThat(logStorage(db, 'e')).isOne(); // log rows stored uncompressed: large, and soon deleted

        // a state log as the version before created it, compressed: create() changes that, and only that
        db.execute("ALTER TABLE onceflow_state_log ALTER COLUMN entries SET STORAGE EXTENDED");
        assertThat(logStorage(db, 'x')).isOne();
        OnceflowTables.defaults().create(pool).block(Duration.ofSeconds(10));
        assertThat(logStorage(db, 'e')).isOne();

        db.execute("ALTER TABLE onceflow_offsets ALTER COLUMN epoch TYPE integer");
        assertThatThrownBy(() -> openCommitPoint(options()))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("column epoch is integer, not bigint")
                .hasMessageContaining("drop it and create Onceflow's tables");
    }

    /** 1 when the state log's entries column is stored as {@code storage} says, 0 when not. */
    private static long logStorage(PostgresDatabase db, char storage) throws Exception {
        return db.queryForLong("SELECT count(*) FROM pg_attribute WHERE attrelid = 'onceflow_state_log'::regclass"
                + " AND attname = 'entries' AND attstorage = '" + storage + "'");
    }

    @Test
    void aStateTablePackedFullIsReadAsSuchAndStillOpens(PostgresDatabase db) throws Exception {
        db.execute(Ledger.BALANCES_DDL);
        OnceflowTables.defaults().create(pool).block(Duration.ofSeconds(10));
        assertThat(CatalogReads.fillfactor(pool, "onceflow_state")).isEqualTo(50);
        assertThat(CatalogReads.fillfactor(pool, "onceflow_offsets")).isEqualTo(100);

        // the state table as an earlier version created it: PostgreSQL's default, pages packed full
        String state = OnceflowTables.defaults().ddl().get(1);
        assertThat(state).endsWith(" WITH (fillfactor = 50)");
        db.execute("DROP TABLE onceflow_state");
        db.execute(state.replace(" WITH (fillfactor = 50)", ""));
        assertThat(CatalogReads.fillfactor(pool, "onceflow_state")).isEqualTo(100);
        assertThat(openCommitPoint(options())).isNotNull(); // a warning says what to run; the open goes on

        // set explicitly, and read from the storage parameters
        db.execute("ALTER TABLE onceflow_state SET (fillfactor = 70)");
        assertThat(CatalogReads.fillfactor(pool, "onceflow_state")).isEqualTo(70);
        db.execute("ALTER TABLE onceflow_state SET (fillfactor = 50)");
        assertThat(CatalogReads.fillfactor(pool, "onceflow_state")).isEqualTo(50);
        assertThat(openCommitPoint(options())).isNotNull();

        // partitioned: the parent has no pages of its own (an ALTER of it fails), so there is nothing to read or warn
        // of
        db.execute("DROP TABLE onceflow_state");
        db.execute(state.replace(" WITH (fillfactor = 50)", " PARTITION BY HASH (pipeline)"));
        db.execute("CREATE TABLE onceflow_state_0 PARTITION OF onceflow_state"
                + " FOR VALUES WITH (MODULUS 1, REMAINDER 0) WITH (fillfactor = 50)");
        assertThat(CatalogReads.fillfactor(pool, "onceflow_state")).isZero();
        assertThat(openCommitPoint(options())).isNotNull();
        db.execute("DROP TABLE onceflow_state");
        db.execute(state);
    }

    @Test
    void aMissingTableOrKeyOrVersionColumnSaysWhatToCreate(PostgresDatabase db) throws Exception {
        OnceflowTables.defaults().create(pool).block(Duration.ofSeconds(10));
        assertThatThrownBy(() -> openCommitPoint(options()))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("the sink's table \"balances\" does not exist")
                .hasMessageContaining("CREATE TABLE \"balances\" (\"account\" <type>");

        db.execute("CREATE TABLE balances (account text, balance_cents bigint, payments bigint, last_payment bigint)");
        assertThatThrownBy(() -> openCommitPoint(options()))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("no unique key on exactly (\"account\")")
                .hasMessageContaining("ALTER TABLE \"balances\" ADD PRIMARY KEY (\"account\")");

        db.execute("ALTER TABLE balances ADD PRIMARY KEY (account)");
        IdempotentSink<Balance> idempotent = (IdempotentSink<Balance>)
                R2dbcUpsertSink.create(options().idempotent().build());
        assertThatThrownBy(() -> idempotent.open(context()).block(Duration.ofSeconds(10)))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining(
                        "ALTER TABLE \"balances\" ADD COLUMN \"onceflow_partition\" text, or name the existing");

        db.execute("ALTER TABLE balances ADD COLUMN onceflow_partition text, ADD COLUMN onceflow_offset integer,"
                + " ADD COLUMN onceflow_ordinal integer");
        assertThatThrownBy(() -> idempotent.open(context()).block(Duration.ofSeconds(10)))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("must be bigint, but is integer")
                .hasMessageContaining("ALTER COLUMN \"onceflow_offset\" TYPE bigint");

        assertThatThrownBy(() -> openCommitPoint(options().deadLetterTable("dead_letters")))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("the dead letters table \"dead_letters\" does not exist")
                .hasMessageContaining("OnceflowTables.defaults().create(connectionFactory, \"dead_letters\")");

        assertThatThrownBy(() -> PostgresCheckpointStore.create(PostgresCheckpointStoreOptions.builder()
                                .connectionFactory(pool)
                                .deadLetterTable("dead_letters")
                                .build())
                        .open(context())
                        .block(Duration.ofSeconds(10)))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("\"dead_letters\" does not exist");
    }

    @Test
    void aMapperThatDoesNotFitTheTableStopsThePipelineWithWhatToChange(PostgresDatabase db) throws Exception {
        OnceflowTables.defaults().create(pool).block(Duration.ofSeconds(10));
        db.execute(Ledger.BALANCES_DDL);
        assertThatThrownBy(() -> runOne(options()
                        .columns(b -> Row.of("account", b.account(), "balance", b.cents()))
                        .commitPoint()))
                .hasRootCauseInstanceOf(PipelineConfigurationException.class)
                .rootCause()
                .hasMessageContaining("writes column 'balance', which the table \"balances\" does not have")
                .hasMessageContaining("ADD COLUMN \"balance\" <type>");
        assertThatThrownBy(() -> runOne(options()
                        .columns(b ->
                                Row.of("account", b.account(), "balance_cents", true, "payments", 1, "last_payment", 1))
                        .commitPoint()))
                .rootCause()
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("column 'balance_cents' of \"balances\" is bigint, but the columns mapper gave"
                        + " a java.lang.Boolean (record payments-0@0); map it to a Number");
        assertThat(db.queryForLong("SELECT count(*) FROM balances")).isZero();
    }

    @Test
    void aRowKeyFunctionThatGivesARowAnotherKeyStopsThePipelineAndCommitsNothing(PostgresDatabase db) throws Exception {
        OnceflowTables.defaults().create(pool).block(Duration.ofSeconds(10));
        db.execute(Ledger.BALANCES_DDL);
        // coarser than the row's key: every account's balance one key, all rows but one would be dropped
        assertThatThrownBy(() -> runOne(options().commitPoint().lastWriteWins(b -> "every account")))
                .rootCause()
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("row key function of sink 'balances' gave record payments-0@0 another key than"
                        + " its row's [account]");
        assertThat(db.queryForLong("SELECT count(*) FROM balances")).isZero();
        assertThat(db.queryForLong("SELECT count(*) FROM onceflow_offsets WHERE next_offset IS NOT NULL"))
                .isZero();
    }

    @Test
    void namesAreCheckedSoThatNoSqlCanEnterThroughThem() {
        assertThatThrownBy(() -> options()
                        .table("balances; DROP TABLE onceflow_offsets")
                        .commitPoint()
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("table must be a table name");
        assertThatThrownBy(() -> options().key("account\" = 1 --").commitPoint().build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> options().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("call commitPoint()");
    }

    private static R2dbcSinkOptions.Builder<Balance> options() {
        return R2dbcSinkOptions.<Balance>builder()
                .connectionFactory(pool)
                .table("balances")
                .key("account")
                .columns(Ledger.COLUMNS);
    }

    private static Object openCommitPoint(R2dbcSinkOptions.Builder<Balance> options) {
        CommitPoint<Balance> sink = (CommitPoint<Balance>)
                R2dbcUpsertSink.create(options.commitPoint().build());
        return sink.open(context()).block(Duration.ofSeconds(10));
    }

    private static void runOne(R2dbcSinkOptions.Builder<Balance> options) {
        TestSource<Balance> source = TestSource.create("payments", 1);
        source.emit(new Balance("a", 1, 1, 0)).complete();
        Sink<Balance> sink = R2dbcUpsertSink.create(options.build());
        Onceflow.pipeline("config")
                .meterRegistry(new SimpleMeterRegistry())
                .from(source)
                .map(Function.<Balance>identity())
                .to(sink)
                .run()
                .blockLast(Duration.ofSeconds(30));
    }

    private static TestSinkContext context() {
        return TestSinkContext.of("config", "0", "balances");
    }
}
