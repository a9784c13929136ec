package io.onceflow.it.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Onceflow;
import io.onceflow.core.Pipeline;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.testkit.TestSource;
import io.onceflow.it.r2dbc.Ledger.Balance;
import io.onceflow.it.r2dbc.Ledger.Payment;
import io.onceflow.sinks.r2dbc.OnceflowTables;
import io.onceflow.sinks.r2dbc.PostgresCheckpointStore;
import io.onceflow.sinks.r2dbc.PostgresCheckpointStoreOptions;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.onceflow.testinfra.PostgresDatabase;
import io.onceflow.testinfra.PostgresMode;
import io.onceflow.testinfra.WithPostgres;
import io.r2dbc.pool.ConnectionPool;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL server restarts twice while the pipeline runs, each time with one of its writes in flight: every
 * connection is lost, that write and its checkpoint fail, the pool reconnects and the restart policy resumes from the committed positions, with no help from the test. The result is
 * exact, in both modes. Runs on an embedded server, which the test owns and may restart.
 */
@WithPostgres(mode = PostgresMode.EMBEDDED)
class R2dbcServerRestartIT {

    private static final int PAYMENTS = 40_000;
    private static final int PARTITIONS = 2;

    @Test
    void commitPointRecoversByItself(PostgresDatabase db) throws Exception {
        db.execute(Ledger.BALANCES_DDL);
        run(db, "restart-commit", false);
    }

    @Test
    void idempotentSinkWithStoreRecoversByItself(PostgresDatabase db) throws Exception {
        db.execute("DROP TABLE IF EXISTS balances; " + Ledger.VERSIONED_BALANCES_DDL);
        run(db, "restart-idempotent", true);
    }

    private void run(PostgresDatabase db, String name, boolean idempotent) throws Exception {
        assertThat(db.canRestartServer()).isTrue();
        ConnectionPool pool = Databases.pool(db, 4);
        try {
            OnceflowTables.defaults().create(pool).block(Duration.ofSeconds(30));
            List<List<Payment>> input = Ledger.payments(PAYMENTS, 500, PARTITIONS, 5);
            TestSource<Payment> source = TestSource.create("payments", PARTITIONS);
            R2dbcSinkOptions.Builder<Balance> options = R2dbcSinkOptions.<Balance>builder()
                    .connectionFactory(pool)
                    .table("balances")
                    .key("account")
                    .columns(Ledger.COLUMNS);
            var builder = Onceflow.pipeline(name)
                    .checkpointEvery(Duration.ofMillis(50))
                    .meterRegistry(new SimpleMeterRegistry())
                    .restartPolicy(RestartPolicy.defaults()
                            .withMaxAttempts(100)
                            .withBackoff(Duration.ofMillis(50), Duration.ofMillis(500)));
            if (idempotent) {
                builder =
                        builder.checkpointStore(PostgresCheckpointStore.create(PostgresCheckpointStoreOptions.builder()
                                .connectionFactory(pool)
                                .build()));
            }
            Pipeline pipeline = builder.from(source)
                    .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                    .to(R2dbcUpsertSink.create(
                            idempotent
                                    ? options.idempotent().build()
                                    : options.commitPoint().build()));
            CompletableFuture<List<CheckpointEvent>> run =
                    pipeline.run().collectList().toFuture();

            // feed in slices; at a third and at two thirds, once checkpoints have committed some of the input, hold
            // the next slice's write on a lock and restart the server while the pipeline waits on it: a write is
            // then certainly in flight (restarted between two checkpoints, the pool would just reconnect)
            int restarts = 0;
            int slices = 60;
            long committedBefore = 0;
            for (int slice = 0; slice < slices; slice++) {
                boolean restart = slice == slices / 3 || slice == 2 * slices / 3;
                Connection lock = null;
                if (restart) {
                    committedBefore = awaitProgress(db, name, committedBefore);
                    lock = db.openConnection();
                    lock.setAutoCommit(false);
                    try (Statement statement = lock.createStatement()) {
                        statement.execute("LOCK TABLE balances IN ACCESS EXCLUSIVE MODE");
                    }
                }
                for (int p = 0; p < PARTITIONS; p++) {
                    List<Payment> partition = input.get(p);
                    for (Payment payment : partition.subList(
                            partition.size() * slice / slices, partition.size() * (slice + 1) / slices)) {
                        source.emitTo(p, payment);
                    }
                }
                Thread.sleep(10);
                if (restart) {
                    awaitWaitingOnTheLock(db);
                    db.restartServer();
                    closeQuietly(lock);
                    restarts++;
                }
            }
            source.complete();
            List<CheckpointEvent> events = run.get(120, TimeUnit.SECONDS);

            assertThat(Databases.balances(db)).isEqualTo(Ledger.expected(input, R2dbcBatchingIT.sizes(input)));
            assertThat(Databases.nextOffsets(db, name, PARTITIONS)).isEqualTo(R2dbcBatchingIT.sizes(input));
            assertThat(pipeline.status().restarts())
                    .as("restarts by the restart policy")
                    .isPositive();
            System.out.printf(
                    "server restart IT (%s): %d payments, %d server restarts, %d pipeline restarts, %d failed"
                            + " checkpoints, exact%n",
                    idempotent ? "idempotent + store" : "commit point",
                    PAYMENTS,
                    restarts,
                    pipeline.status().restarts(),
                    events.stream().filter(event -> !event.completed()).count());
        } finally {
            pool.dispose();
        }
    }

    /** Waits until a session of the pipeline waits on the test's lock of {@code balances}. */
    private static void awaitWaitingOnTheLock(PostgresDatabase db) {
        await().alias("a write of the pipeline waiting on the lock of balances")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> db.queryForLong("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                                + " AND datname = current_database()")
                        > 0);
    }

    /** The lock's connection, which the restart ended. */
    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException ended) {
            // the server closed it first
        }
    }

    /** Waits until more of the input is committed than {@code than}; returns how much is. */
    private static long awaitProgress(PostgresDatabase db, String pipeline, long than) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            long committed = java.util.Arrays.stream(Databases.nextOffsets(db, pipeline, PARTITIONS))
                    .sum();
            if (committed > than) {
                return committed;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no checkpoint committed beyond " + than + " records");
            }
            Thread.sleep(5);
        }
    }
}
