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
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Batching against a real server: one statement (one round trip) per chunk, never {@code Statement.add()}, a
 * key's records in order within a checkpoint, coalesced with last-write-wins (rows made for every record, or for
 * the newest of each key by a row key function, streamed into the open transaction or not); and a second run that
 * resumes from the committed positions and state.
 */
@WithPostgres
class R2dbcBatchingIT {

    private static final int PARTITIONS = 2;
    private static ConnectionPool pool;

    @BeforeAll
    static void tables(PostgresDatabase db) {
        pool = Databases.pool(db, 4);
        OnceflowTables.defaults().create(pool).block(Duration.ofSeconds(30));
    }

    @AfterAll
    static void close() {
        pool.dispose();
    }

    @Test
    void oneStatementPerChunkAndKeysInOrder(PostgresDatabase db) throws Exception {
        db.execute(
                "DROP TABLE IF EXISTS balances; " + Ledger.BALANCES_DDL
                        + "; DELETE FROM onceflow_offsets; DELETE FROM onceflow_state; DELETE FROM onceflow_state_log; DELETE FROM onceflow_checkpoints");
        // 20,000 payments over 200 accounts: each checkpoint writes each account many times
        List<List<Payment>> input = Ledger.payments(20_000, 200, PARTITIONS, 7);
        TestSource<Payment> source = TestSource.create("payments", PARTITIONS);
        for (int p = 0; p < PARTITIONS; p++) {
            for (Payment payment : input.get(p)) {
                source.emitTo(p, payment);
            }
        }
        source.complete();
        ConnectionSpy spy = new ConnectionSpy(pool);
        R2dbcUpsertSink<Balance> sink = R2dbcUpsertSink.create(R2dbcSinkOptions.<Balance>builder()
                .connectionFactory(spy)
                .table("balances")
                .key("account")
                .columns(Ledger.COLUMNS)
                .commitPoint()
                .chunkSize(1_000)
                .build());
        List<CheckpointEvent> events =
                pipeline("batching", source, sink).run().collectList().block(Duration.ofMinutes(1));

        assertThat(events).allMatch(CheckpointEvent::completed);
        assertThat(Databases.balances(db)).isEqualTo(Ledger.expected(input, sizes(input)));
        // the rows go in one statement per chunk, never one binding per row (the state log's few rows do, one per
        // partition)
        assertThat(spy.adds("INSERT INTO \"balances\""))
                .as("Statement.add() calls")
                .isZero();
        long upserts = spy.executed("INSERT INTO \"balances\"");
        // per checkpoint: one statement per chunk of each generation; here at most 200 keys per generation
        long records = events.stream().mapToLong(CheckpointEvent::records).sum();
        assertThat(records).isEqualTo(20_000);
        assertThat(upserts)
                .as("data statements")
                .isGreaterThanOrEqualTo(records / 200)
                .isLessThan(records / 10);
        System.out.printf(
                "batching: %d records in %d checkpoints, %d data statements, %d statements in all%n",
                records, events.size(), upserts, spy.executed().size());
    }

    /** How the sink coalesces: rows made for every record, or for the newest of each key only (streamed or not). */
    enum Coalescing {
        ROWS,
        ROW_KEY,
        ROW_KEY_STREAMED;

        R2dbcSinkOptions.Builder<Balance> applyTo(R2dbcSinkOptions.Builder<Balance> options) {
            return switch (this) {
                case ROWS -> options.lastWriteWins();
                case ROW_KEY -> options.lastWriteWins(Balance::account);
                case ROW_KEY_STREAMED -> options.lastWriteWins(Balance::account).streamRows(true);
            };
        }
    }

    @ParameterizedTest
    @EnumSource(Coalescing.class)
    void lastWriteWinsCoalescesAndAResumedRunContinuesExactly(Coalescing coalescing, PostgresDatabase db)
            throws Exception {
        db.execute(
                "DROP TABLE IF EXISTS balances; " + Ledger.BALANCES_DDL
                        + "; DELETE FROM onceflow_offsets; DELETE FROM onceflow_state; DELETE FROM onceflow_state_log; DELETE FROM onceflow_checkpoints");
        List<List<Payment>> input = Ledger.payments(30_000, 500, PARTITIONS, 11);
        TestSource<Payment> source = TestSource.create("payments", PARTITIONS);
        ConnectionSpy spy = new ConnectionSpy(pool);
        R2dbcUpsertSink<Balance> sink = R2dbcUpsertSink.create(coalescing
                .applyTo(R2dbcSinkOptions.<Balance>builder()
                        .connectionFactory(spy)
                        .table("balances")
                        .key("account")
                        .columns(Ledger.COLUMNS)
                        .commitPoint()
                        .chunkSize(100))
                .build());
        // first run: the first half, then the source is "stopped"
        for (int p = 0; p < PARTITIONS; p++) {
            for (Payment payment : input.get(p).subList(0, input.get(p).size() / 2)) {
                source.emitTo(p, payment);
            }
        }
        Pipeline first = pipeline("resume", source, sink);
        first.run().subscribe();
        awaitOffsets(db, "resume", half(input));
        first.stop().block(Duration.ofSeconds(30));
        assertThat(Databases.balances(db)).isEqualTo(Ledger.expected(input, half(input)));

        // second run: the rest; state is restored from the state table
        for (int p = 0; p < PARTITIONS; p++) {
            List<Payment> partition = input.get(p);
            for (Payment payment : partition.subList(partition.size() / 2, partition.size())) {
                source.emitTo(p, payment);
            }
        }
        source.complete();
        pipeline("resume", source, sink).run().blockLast(Duration.ofMinutes(1));
        assertThat(Databases.balances(db)).isEqualTo(Ledger.expected(input, sizes(input)));
        assertThat(committedStateEntries(db, "resume")).isEqualTo(500);
        assertThat(spy.adds("INSERT INTO \"balances\"")).isZero();
    }

    private static Pipeline pipeline(String name, TestSource<Payment> source, R2dbcUpsertSink<Balance> sink) {
        return Onceflow.pipeline(name)
                .checkpointEvery(Duration.ofMillis(100))
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.never())
                .from(source)
                .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                .to(sink);
    }

    static long[] sizes(List<List<Payment>> input) {
        return input.stream().mapToLong(List::size).toArray();
    }

    private static long[] half(List<List<Payment>> input) {
        return input.stream().mapToLong(p -> p.size() / 2).toArray();
    }

    static void awaitOffsets(PostgresDatabase db, String pipeline, long[] expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!java.util.Arrays.equals(Databases.nextOffsets(db, pipeline, expected.length), expected)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("offsets never reached " + java.util.Arrays.toString(expected) + ": "
                        + java.util.Arrays.toString(Databases.nextOffsets(db, pipeline, expected.length)));
            }
            Thread.sleep(20);
        }
    }

    private static long committedStateEntries(PostgresDatabase db, String pipeline) throws Exception {
        try (java.sql.Connection connection = db.openConnection()) {
            return io.onceflow.sinks.r2dbc.internal.CommittedState.count(connection, pipeline);
        }
    }
}
