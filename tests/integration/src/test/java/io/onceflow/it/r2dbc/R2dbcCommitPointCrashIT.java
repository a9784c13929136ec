package io.onceflow.it.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Onceflow;
import io.onceflow.core.Pipeline;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.testkit.TestSource;
import io.onceflow.it.r2dbc.Ledger.Balance;
import io.onceflow.it.r2dbc.Ledger.Payment;
import io.onceflow.sinks.r2dbc.OnceflowTables;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.onceflow.testinfra.PostgresDatabase;
import io.onceflow.testinfra.WithPostgres;
import io.r2dbc.pool.ConnectionPool;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * 100,000 payments through a keyed ledger into the commit-point sink while every connection to the database is
 * killed ({@code pg_terminate_backend}) in the middle of a commit, 20 times: after all the checkpoint's statements
 * and before its {@code COMMIT}, or between its statements.
 *
 * <p>Checked independently of the pipeline: the final table equals the fold of the whole input; the offsets equal
 * the input's size per partition; the state table holds one entry per account; and a JDBC reader that reads offsets
 * and table in one snapshot, over and over during the run, never sees a table that differs from the fold of the
 * input's prefix up to those offsets: a partial checkpoint is never visible.
 */
@WithPostgres
class R2dbcCommitPointCrashIT {

    private static final int PAYMENTS = 100_000;
    private static final int ACCOUNTS = 1_000;
    private static final int PARTITIONS = 4;
    private static final int KILLS = 20;

    @Test
    void exactDespiteTwentyConnectionKillsMidCommit(PostgresDatabase db) throws Exception {
        db.execute(Ledger.BALANCES_DDL);
        ConnectionPool pool = Databases.pool(db, 4);
        OnceflowTables.defaults().create(pool).block(Duration.ofSeconds(30));
        List<List<Payment>> input = Ledger.payments(PAYMENTS, ACCOUNTS, PARTITIONS, 42);

        // every 4th commit attempt is killed: alternately just before its COMMIT, and at its first data statement
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger kills = new AtomicInteger();
        AtomicInteger killBeforeCommit = new AtomicInteger(-1);
        AtomicInteger killAtData = new AtomicInteger(-1);
        List<String> killedAt = new CopyOnWriteArrayList<>();
        ConnectionSpy spy = new ConnectionSpy(pool)
                .beforeExecute(sql -> {
                    if (sql.startsWith("WITH positions")) {
                        int attempt = attempts.incrementAndGet();
                        if (attempt % 4 == 0 && kills.get() < KILLS) {
                            (kills.get() % 2 == 0 ? killBeforeCommit : killAtData).set(attempt);
                        }
                        return Mono.empty();
                    }
                    if (sql.startsWith("INSERT INTO \"balances\"") && killAtData.getAndSet(-1) == attempts.get()) {
                        return kill(db, kills, killedAt, "data statement");
                    }
                    return Mono.empty();
                })
                .beforeCommit(commit -> {
                    boolean armed = killBeforeCommit.getAndSet(-1) == attempts.get();
                    boolean dataKillMissed = killAtData.getAndSet(-1) == attempts.get();
                    return armed || dataKillMissed ? kill(db, kills, killedAt, "COMMIT") : Mono.empty();
                });
        R2dbcUpsertSink<Balance> sink = R2dbcUpsertSink.create(R2dbcSinkOptions.<Balance>builder()
                .connectionFactory(spy)
                .table("balances")
                .key("account")
                .columns(Ledger.COLUMNS)
                .commitPoint()
                .chunkSize(2_000)
                .build());
        TestSource<Payment> source = TestSource.create("payments", PARTITIONS);
        List<CheckpointEvent> failed = new CopyOnWriteArrayList<>();
        Pipeline pipeline = Onceflow.pipeline("crash")
                .checkpointEvery(Duration.ofMillis(50))
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.defaults()
                        .withMaxAttempts(Long.MAX_VALUE)
                        .withBackoff(Duration.ofMillis(10), Duration.ofMillis(100)))
                .from(source)
                .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                .to(sink);

        long start = System.nanoTime();
        try (SnapshotChecker checker = new SnapshotChecker(db, "crash", input)) {
            CompletableFuture<List<CheckpointEvent>> run = pipeline.run()
                    .doOnNext(event -> {
                        if (!event.completed()) {
                            failed.add(event);
                        }
                    })
                    .collectList()
                    .toFuture();
            // feed in slices, at least one commit attempt apart until the 20 kills happened: they fall while
            // records flow
            int slice = 250;
            int[] fed = new int[PARTITIONS];
            boolean more = true;
            while (more) {
                more = false;
                for (int p = 0; p < PARTITIONS; p++) {
                    List<Payment> partition = input.get(p);
                    int to = Math.min(partition.size(), fed[p] + slice);
                    for (int i = fed[p]; i < to; i++) {
                        source.emitTo(p, partition.get(i));
                    }
                    fed[p] = to;
                    more |= to < partition.size();
                }
                int seen = attempts.get();
                long wait = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (kills.get() < KILLS && attempts.get() == seen && System.nanoTime() < wait) {
                    Thread.sleep(2);
                }
            }
            source.complete();
            run.get(120, TimeUnit.SECONDS);
            checker.stop();

            long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
            System.out.printf(
                    "crash IT: %d payments, %d kills mid-commit (at %s), %d failed checkpoints, %d"
                            + " restarts, %d snapshots checked (%d non-empty), %d violations, %d s%n",
                    PAYMENTS,
                    kills.get(),
                    killedAt,
                    failed.size(),
                    pipeline.status().restarts(),
                    checker.snapshots(),
                    checker.nonEmptySnapshots(),
                    checker.violations().size(),
                    seconds);
            assertThat(checker.violations()).as("partial checkpoints seen").isEmpty();
            assertThat(checker.nonEmptySnapshots())
                    .as("snapshots taken mid-run")
                    .isGreaterThan(10);
        } finally {
            pool.dispose();
        }

        assertThat(kills.get()).as("kills mid-commit").isEqualTo(KILLS);
        assertThat(killedAt).as("kill points").contains("COMMIT", "data statement");
        assertThat(failed).as("checkpoints failed by the kills").hasSizeGreaterThanOrEqualTo(KILLS);
        assertThat(pipeline.status().restarts()).isGreaterThanOrEqualTo(KILLS);
        Map<String, Balance> table = Databases.balances(db);
        assertThat(table).hasSize(ACCOUNTS).isEqualTo(Ledger.expected(input, R2dbcBatchingIT.sizes(input)));
        assertThat(table.values().stream().mapToLong(Balance::payments).sum()).isEqualTo(PAYMENTS);
        assertThat(Databases.nextOffsets(db, "crash", PARTITIONS)).isEqualTo(R2dbcBatchingIT.sizes(input));
        assertThat(committedStateEntries(db, "crash")).isEqualTo(ACCOUNTS);
    }

    /** Terminates every connection to the test database, from a JDBC connection of its own. */
    private static Mono<Void> kill(PostgresDatabase db, AtomicInteger kills, List<String> killedAt, String where) {
        return Mono.fromRunnable(() -> {
                    try {
                        db.terminateConnections();
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                    kills.incrementAndGet();
                    killedAt.add(where);
                })
                .subscribeOn(Schedulers.boundedElastic())
                .then();
    }

    private static long committedStateEntries(PostgresDatabase db, String pipeline) throws Exception {
        try (java.sql.Connection connection = db.openConnection()) {
            return io.onceflow.sinks.r2dbc.internal.CommittedState.count(connection, pipeline);
        }
    }
}
