package io.onceflow.it.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Onceflow;
import io.onceflow.core.testkit.TestSource;
import io.onceflow.it.r2dbc.Databases;
import io.onceflow.it.state.Guarded.Spend;
import io.onceflow.it.state.Guarded.Total;
import io.onceflow.sinks.r2dbc.OnceflowTables;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.onceflow.sinks.r2dbc.Row;
import io.onceflow.testinfra.PostgresDatabase;
import io.onceflow.testinfra.WithPostgres;
import io.r2dbc.pool.ConnectionPool;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * A keyed state value that the PostgreSQL commit point cannot encode, on the real server: the state of an immutable
 * type is encoded by the commit point, in the checkpoint's transaction, after the checkpoint's rows were streamed into
 * it. The transaction is rolled back before the failure is reported (no session is left idle in it, holding locks): no row, state entry or position of that checkpoint commits, the checkpoint
 * before it stays, and the pipeline stops with the codec's failure instead of retrying it.
 */
@WithPostgres
class R2dbcUnencodableStateIT {

    @Test
    void aStateTheCommitPointCannotEncodeRollsItsCheckpointBackAndStopsThePipeline(PostgresDatabase db)
            throws Exception {
        db.execute("DROP TABLE IF EXISTS totals, onceflow_offsets, onceflow_state, onceflow_checkpoints,"
                + " onceflow_state_log");
        db.execute("CREATE TABLE totals (account text PRIMARY KEY, cents bigint NOT NULL)");
        ConnectionPool pool = Databases.pool(db, 4);
        try {
            OnceflowTables.defaults().create(pool).block(Duration.ofSeconds(30));
            TestSource<Spend> source = TestSource.create("spends", 1);
            AtomicLong committed = new AtomicLong();
            CompletableFuture<Void> first = new CompletableFuture<>();
            CompletableFuture<Throwable> stopped = new CompletableFuture<>();
            Disposable running = Onceflow.pipeline("unencodable")
                    .checkpointEvery(Duration.ofMillis(100))
                    .meterRegistry(new SimpleMeterRegistry())
                    .from(source)
                    .keyed("guarded", Spend::account, Guarded::empty, Guarded::apply)
                    .map(Guarded::total)
                    .to(R2dbcUpsertSink.create(R2dbcSinkOptions.<Total>builder()
                            .connectionFactory(pool)
                            .table("totals")
                            .key("account")
                            .columns(total -> Row.of("account", total.account(), "cents", total.cents()))
                            .chunkSize(1) // each row into the open transaction as it comes
                            .commitPoint()
                            .build()))
                    .run()
                    .subscribe(
                            event -> completeWhenCommitted(event, committed, first),
                            stopped::complete,
                            () -> stopped.complete(null));
            try {
                source.emit(new Spend("a", 10), new Spend("b", 4));
                first.orTimeout(60, TimeUnit.SECONDS).join();
                // rows of the next checkpoint are streamed into its transaction; its state then cannot be encoded
                source.emit(new Spend("b", 1), new Spend("c", 7), new Spend("a", -25));
                Throwable failure = stopped.orTimeout(60, TimeUnit.SECONDS).join();

                Guarded.assertStoppedByItsNegativeBalance(failure);
            } finally {
                running.dispose();
            }
            assertThat(db.queryForLong("SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'"))
                    .as("no transaction left open, holding the streamed rows' locks")
                    .isZero();
            assertThat(db.queryForLong("SELECT count(*) FROM totals")).isEqualTo(2);
            assertThat(db.queryForLong("SELECT cents FROM totals WHERE account = 'b'"))
                    .isEqualTo(4);
            assertThat(db.queryForLong("SELECT max(next_offset) FROM onceflow_offsets WHERE pipeline = 'unencodable'"))
                    .isEqualTo(2);
        } finally {
            pool.dispose();
        }
    }

    /** Completes {@code first} once the first two records are committed, in one checkpoint or two. */
    private static void completeWhenCommitted(
            CheckpointEvent event, AtomicLong committed, CompletableFuture<Void> first) {
        if (event.completed() && committed.addAndGet(event.records()) >= 2) {
            first.complete(null);
        }
    }
}
