package io.onceflow.it.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.CommitPoint;
import io.onceflow.core.CommitPointWriter;
import io.onceflow.core.Data;
import io.onceflow.core.Marker;
import io.onceflow.core.Onceflow;
import io.onceflow.core.OnceflowException;
import io.onceflow.core.Origin;
import io.onceflow.core.PartitionFencedException;
import io.onceflow.core.Pipeline;
import io.onceflow.core.Positions;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import io.onceflow.core.TransientFailureException;
import io.onceflow.core.testkit.TestSource;
import io.onceflow.it.r2dbc.Ledger.Balance;
import io.onceflow.it.r2dbc.Ledger.Payment;
import io.onceflow.sinks.r2dbc.OnceflowTables;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.onceflow.testinfra.PostgresDatabase;
import io.onceflow.testinfra.WithPostgres;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.ConnectionFactory;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * The commit point that streams a checkpoint's rows into its open transaction before the marker, on the real server:
 * the rows are in the transaction, not visible, before the marker; a connection killed mid-interval loses nothing (the
 * checkpoint is written again whole at its marker); a frozen owner's open transaction holds the rows it wrote only
 * until the server's idle timeout ends it, so the new owner of its partition goes on, and the frozen owner's commit,
 * once it thaws, is refused; a {@code COMMIT} whose response is lost is not applied twice.
 */
@WithPostgres
class R2dbcStreamedCommitIT {

    private static final SourcePartition P0 = SourcePartition.of("payments", 0);
    /** Long enough that no test but the frozen owner's sees a transaction ended by it, whatever the machine's load. */
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);

    private static final Duration FROZEN_IDLE_TIMEOUT = Duration.ofSeconds(2);
    private static ConnectionPool pool;

    @BeforeAll
    static void setUp(PostgresDatabase db) throws Exception {
        db.execute(Ledger.BALANCES_DDL);
        pool = Databases.pool(db, 6);
        OnceflowTables.defaults().create(pool, "dead_letters").block(Duration.ofSeconds(30));
    }

    @AfterAll
    static void tearDown() {
        pool.dispose();
    }

    @BeforeEach
    void empty(PostgresDatabase db) throws Exception {
        db.execute(
                "TRUNCATE balances, onceflow_offsets, onceflow_state, onceflow_state_log, onceflow_checkpoints, dead_letters");
    }

    @Test
    void rowsAreInTheOpenTransactionBeforeTheMarkerAndVisibleOnlyAfterIt(PostgresDatabase db) throws Exception {
        ConnectionSpy spy = new ConnectionSpy(pool);
        CommitPointWriter<Balance> owner = open(commitPoint(spy), "a");
        owner.recover(List.of(P0)).block(Duration.ofSeconds(10));

        writeBalances(owner, 0, 4, 10);

        awaitIdleInTransactionAfterRows(db);
        assertThat(spy.executed("WITH positions"))
                .as("fence statements before the marker")
                .isZero();
        assertThat(Databases.balances(db))
                .as("rows of an uncommitted transaction")
                .isEmpty();

        owner.checkpoint(marker(1, 4, "k0", "10")).block(Duration.ofSeconds(10));

        assertThat(Databases.balances(db)).hasSize(4);
        assertThat(Databases.nextOffsets(db, "streamed", 1)).containsExactly(4);
        assertThat(idleInTransaction(db))
                .as("sessions idle in a transaction after the commit")
                .isZero();
    }

    @Test
    void aConnectionKilledMidIntervalLosesNothing(PostgresDatabase db) throws Exception {
        ConnectionSpy spy = new ConnectionSpy(pool);
        CommitPointWriter<Balance> owner = open(commitPoint(spy), "a");
        owner.recover(List.of(P0)).block(Duration.ofSeconds(10));
        writeBalances(owner, 0, 4, 10);
        awaitIdleInTransactionAfterRows(db);

        int terminated = db.terminateConnections();
        assertThat(terminated)
                .as("connections killed with the transaction open")
                .isPositive();
        writeBalances(owner, 4, 6, 10);
        owner.checkpoint(marker(1, 6, "k0", "10")).block(Duration.ofSeconds(20));

        assertThat(Databases.balances(db)).as("every row of the checkpoint").hasSize(6);
        assertThat(Databases.nextOffsets(db, "streamed", 1)).containsExactly(6);
        assertThat(spy.executed("INSERT INTO \"balances\""))
                .as("data statements: the streamed ones, then the checkpoint written again whole")
                .isGreaterThanOrEqualTo(3);
    }

    @Test
    void aSealedCheckpointWhoseCommitNeverBeginsIsRolledBackWhenTheWriterCloses(PostgresDatabase db) throws Exception {
        CommitPointWriter<Balance> owner = open(commitPoint(pool), "a");
        owner.recover(List.of(P0)).block(Duration.ofSeconds(10));
        writeBalances(owner, 0, 4, 10);
        awaitIdleInTransactionAfterRows(db);

        // an idempotent sink's flush of checkpoint 1 failed: the checkpoint is sealed, its commit never begins, and the
        // run ends, closing its writers
        Mono<Void> neverBegun = owner.checkpoint(marker(1, 4, "k0", "10"));
        owner.close().block(Duration.ofSeconds(10));

        // rolled back at once, not after the idle timeout (30 s), which would hold the next owner's commit that long
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> idleInTransaction(db) == 0);
        assertThatThrownBy(() -> neverBegun.block(Duration.ofSeconds(10)))
                .hasMessageContaining("closed before checkpoint 1 began to commit");
        assertThat(Databases.balances(db))
                .as("rows of the rolled-back checkpoint")
                .isEmpty();
        assertThat(Databases.nextOffsets(db, "streamed", 1)).as("positions").containsExactly(0);
    }

    @Test
    void aFrozenOwnersOpenTransactionHoldsItsRowsOnlyUntilTheIdleTimeout(PostgresDatabase db) throws Exception {
        CommitPointWriter<Balance> frozen = open(commitPoint(pool, FROZEN_IDLE_TIMEOUT), "a");
        frozen.recover(List.of(P0)).block(Duration.ofSeconds(10));
        writeBalances(frozen, 0, 4, 10);
        int frozenPid = awaitIdleInTransactionAfterRows(db);
        assertThat(rowLocksHeldBy(db, frozenPid))
                .as("the frozen owner holds its rows' locks")
                .isTrue();

        // the partition moves: the claim does not wait for the frozen owner (the fence is taken at the marker)...
        CommitPointWriter<Balance> successor = open(commitPoint(pool), "b");
        successor.recover(List.of(P0)).block(Duration.ofSeconds(10));
        // ...and the new owner's rows wait for the frozen owner's locks until the server ends its transaction
        writeBalances(successor, 0, 4, 20);
        successor.checkpoint(marker(1, 4, "k0", "20")).block(Duration.ofSeconds(30));

        assertThat(backendAlive(db, frozenPid))
                .as("the frozen owner's session, ended by idle_in_transaction_session_timeout")
                .isFalse();
        assertThat(Databases.balances(db).values())
                .extracting(Balance::cents)
                .as("the new owner's rows")
                .containsOnly(20L);

        // the frozen owner thaws and reaches its marker: its transaction is gone and its checkpoint fails, with no
        // effect, and its run restarts. Refused by the fence when it is written again whole on a live connection; or
        // failed at once, as here with r2dbc-pool 1.0.2, when the pool hands back the connection the server ended
        // (the driver still believes it is in its transaction, so it skips the BEGIN, and the first statement fails)
        assertThatThrownBy(() -> frozen.checkpoint(marker(1, 4, "k0", "10")).block(Duration.ofSeconds(20)))
                .isInstanceOfAny(PartitionFencedException.class, TransientFailureException.class)
                .satisfies(error -> assertThat(((OnceflowException) error).isRetryable())
                        .as("the run restarts and claims what it is assigned now")
                        .isTrue());
        assertThat(Databases.balances(db).values()).extracting(Balance::cents).containsOnly(20L);
        assertThat(Databases.nextOffsets(db, "streamed", 1)).containsExactly(4);
    }

    @Test
    void anOwnerFrozenMidCommitHoldsUpTheNextOwnersClaimOnlyUntilTheIdleTimeout(PostgresDatabase db) throws Exception {
        // not streamed: the checkpoint's transaction opens at its marker, and its fence locks the offsets rows until
        // COMMIT; the owner freezes just before sending it (the COMMIT never leaves)
        AtomicBoolean frozenBeforeCommit = new AtomicBoolean();
        ConnectionSpy spy =
                new ConnectionSpy(pool).beforeCommit(commit -> frozenBeforeCommit.get() ? Mono.never() : Mono.empty());
        @SuppressWarnings("unchecked")
        CommitPoint<Balance> unstreamed = (CommitPoint<Balance>) R2dbcUpsertSink.create(
                options(spy, FROZEN_IDLE_TIMEOUT).streamRows(false).build());
        CommitPointWriter<Balance> frozen = open(unstreamed, "a");
        frozen.recover(List.of(P0)).block(Duration.ofSeconds(10));
        writeBalances(frozen, 0, 4, 10);
        frozenBeforeCommit.set(true);
        var neverCommitted = frozen.checkpoint(marker(1, 4, "k0", "10")).subscribe(done -> {}, failure -> {});
        int frozenPid = awaitIdleInTransaction(db);

        // the partition moves: the new owner's claim waits for the fence's locks, until the server ends the frozen
        // transaction (2 s here), not for as long as the owner stays frozen
        CommitPointWriter<Balance> successor = open(commitPoint(pool), "b");
        successor.recover(List.of(P0)).block(Duration.ofSeconds(30));
        assertThat(backendAlive(db, frozenPid))
                .as("the frozen owner's session, ended by idle_in_transaction_session_timeout")
                .isFalse();
        assertThat(Databases.balances(db))
                .as("the frozen checkpoint's rows, rolled back")
                .isEmpty();

        writeBalances(successor, 0, 4, 20);
        successor.checkpoint(marker(1, 4, "k0", "20")).block(Duration.ofSeconds(30));
        assertThat(Databases.balances(db).values()).extracting(Balance::cents).containsOnly(20L);
        assertThat(Databases.nextOffsets(db, "streamed", 1)).containsExactly(4);
        neverCommitted.dispose();
    }

    @Test
    void aCommitWhoseResponseIsLostIsNotAppliedTwice(PostgresDatabase db) throws Exception {
        int partitions = 3;
        List<List<Payment>> input = Ledger.payments(30_000, 300, partitions, 17);
        TestSource<Payment> source = TestSource.create("payments", partitions);
        AtomicInteger lost = new AtomicInteger();
        AtomicBoolean fenceSent = new AtomicBoolean();
        // the responses of the first six checkpoints' COMMITs are lost (a COMMIT after a fence statement: not a
        // claim's): the server committed each, the pipeline does not know, restarts, and resumes from what was
        // committed
        ConnectionSpy spy = new ConnectionSpy(pool)
                .beforeExecute(sql -> {
                    if (sql.startsWith("WITH positions")) {
                        fenceSent.set(true);
                    }
                    return Mono.empty();
                })
                .afterCommit(commit -> {
                    if (fenceSent.getAndSet(false) && lost.get() < 6) {
                        lost.incrementAndGet();
                        return Mono.error(new IllegalStateException("test: the COMMIT's response was lost"));
                    }
                    return Mono.empty();
                });
        List<CheckpointEvent> failed = new CopyOnWriteArrayList<>();
        Pipeline pipeline = Onceflow.pipeline("streamed")
                .checkpointEvery(Duration.ZERO)
                .checkpointAfterRecords(1_000)
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.defaults()
                        .withMaxAttempts(Long.MAX_VALUE)
                        .withBackoff(Duration.ofMillis(10), Duration.ofMillis(100)))
                .from(source)
                .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                .to(R2dbcUpsertSink.create(options(spy).chunkSize(500).build()));

        try (SnapshotChecker checker = new SnapshotChecker(db, "streamed", input)) {
            var run = pipeline.run()
                    .doOnNext(event -> {
                        if (!event.completed()) {
                            failed.add(event);
                        }
                    })
                    .collectList()
                    .toFuture();
            // every record is given before any commit is lost; the lost ones fall while the pipeline works through them
            for (int p = 0; p < partitions; p++) {
                for (Payment payment : input.get(p)) {
                    source.emitTo(p, payment);
                }
            }
            source.complete();
            run.get(120, TimeUnit.SECONDS);
            checker.stop();
            assertThat(checker.violations()).as("partial checkpoints seen").isEmpty();
        }

        assertThat(lost.get()).as("commit responses lost").isEqualTo(6);
        assertThat(failed).as("checkpoints that failed with a lost response").hasSizeGreaterThanOrEqualTo(6);
        assertThat(spy.executed("INSERT INTO \"balances\"")).isPositive();
        Map<String, Balance> table = Databases.balances(db);
        assertThat(table).isEqualTo(Ledger.expected(input, R2dbcBatchingIT.sizes(input)));
        assertThat(table.values().stream().mapToLong(Balance::payments).sum()).isEqualTo(30_000);
        assertThat(Databases.nextOffsets(db, "streamed", partitions)).isEqualTo(R2dbcBatchingIT.sizes(input));
    }

    // ---- helpers ----

    private static R2dbcSinkOptions.Builder<Balance> options(ConnectionFactory factory) {
        return options(factory, IDLE_TIMEOUT);
    }

    private static R2dbcSinkOptions.Builder<Balance> options(ConnectionFactory factory, Duration idleTimeout) {
        return R2dbcSinkOptions.<Balance>builder()
                .connectionFactory(factory)
                .table("balances")
                .key("account")
                .columns(Ledger.COLUMNS)
                .commitPoint()
                .deadLetterTable("dead_letters")
                .openTransactionTimeout(idleTimeout);
    }

    /** Two rows a chunk: the writer streams as soon as two rows wait. */
    @SuppressWarnings("unchecked")
    private static CommitPoint<Balance> commitPoint(ConnectionFactory factory) {
        return commitPoint(factory, IDLE_TIMEOUT);
    }

    @SuppressWarnings("unchecked")
    private static CommitPoint<Balance> commitPoint(ConnectionFactory factory, Duration idleTimeout) {
        return (CommitPoint<Balance>) R2dbcUpsertSink.create(
                options(factory, idleTimeout).chunkSize(2).build());
    }

    private static CommitPointWriter<Balance> open(CommitPoint<Balance> sink, String instance) {
        return sink.open(TestSinkContext.of("streamed", instance, "balances")).block(Duration.ofSeconds(10));
    }

    /** Balances of accounts k{from} to k{to - 1}, one per offset. */
    private static void writeBalances(CommitPointWriter<Balance> writer, int from, int to, long cents) {
        for (int offset = from; offset < to; offset++) {
            writer.write(
                    new Data<>(new Balance("k" + offset, cents, 1, offset), new Origin("payments", 0, offset, offset)));
        }
    }

    private static Marker<Balance> marker(long checkpoint, long nextOffset, String key, String value) {
        return new Marker<>(
                checkpoint,
                Positions.of(Map.of(P0, nextOffset)),
                List.of(new StateChange("keyed-0", P0, key, value.getBytes(StandardCharsets.UTF_8))));
    }

    /**
     * Waits until a session of the test database sits idle in a transaction whose last statement wrote balances: the
     * streamed rows are in. Returns its process id.
     */
    private static int awaitIdleInTransactionAfterRows(PostgresDatabase db) {
        return awaitIdleInTransaction(db, " AND query LIKE 'INSERT INTO \"balances\"%'");
    }

    /** The process id of a session idle in a transaction, once there is one. */
    private static int awaitIdleInTransaction(PostgresDatabase db) {
        return awaitIdleInTransaction(db, "");
    }

    private static int awaitIdleInTransaction(PostgresDatabase db, String andCondition) {
        String query = "SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE datname = current_database()"
                + " AND state = 'idle in transaction'" + andCondition;
        int[] pid = new int[1];
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> (pid[0] = (int) db.queryForLong(query)) != 0);
        return pid[0];
    }

    private static long idleInTransaction(PostgresDatabase db) throws SQLException {
        return db.queryForLong("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                + " AND state LIKE 'idle in transaction%'");
    }

    private static boolean rowLocksHeldBy(PostgresDatabase db, int pid) throws SQLException {
        return db.queryForLong("SELECT count(*) FROM pg_locks WHERE pid = " + pid
                        + " AND granted AND relation = 'balances'::regclass AND mode = 'RowExclusiveLock'")
                > 0;
    }

    private static boolean backendAlive(PostgresDatabase db, int pid) throws SQLException {
        return db.queryForLong("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid) > 0;
    }
}
