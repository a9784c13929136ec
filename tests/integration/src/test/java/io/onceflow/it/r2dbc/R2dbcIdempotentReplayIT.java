package io.onceflow.it.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Onceflow;
import io.onceflow.core.OnceflowMeters;
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
import io.onceflow.testinfra.WithPostgres;
import io.r2dbc.pool.ConnectionPool;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * The idempotent mode with the PostgreSQL checkpoint store: replaying checkpoints whose rows are already in the
 * table changes nothing, and every replayed row is counted as a suppressed duplicate.
 *
 * <p>First, naturally: the store's commit fails after the sink flushed, five times, and each failed checkpoint is
 * replayed; the suppressed count equals the records of the failed checkpoints. Then wholesale: the store's
 * positions and state are reset and all 20,000 records are replayed into the finished table: not one byte of the
 * table changes, and 20,000 rows are counted as suppressed.
 */
@WithPostgres
class R2dbcIdempotentReplayIT {

    private static final int PAYMENTS = 20_000;
    private static final int PARTITIONS = 3;
    private static final String TABLE_DUMP = "SELECT account, balance_cents, payments, last_payment,"
            + " onceflow_partition, onceflow_offset, xmin::text FROM balances ORDER BY account";
    private static ConnectionPool pool;

    @BeforeAll
    static void setUp(PostgresDatabase db) throws Exception {
        db.execute(Ledger.VERSIONED_BALANCES_DDL);
        pool = Databases.pool(db, 4);
        OnceflowTables.defaults().create(pool).block(Duration.ofSeconds(30));
    }

    @AfterAll
    static void tearDown() {
        pool.dispose();
    }

    @Test
    void replaysLeaveTheTableUnchangedAndAreCountedAsSuppressed(PostgresDatabase db) throws Exception {
        List<List<Payment>> input = Ledger.payments(PAYMENTS, 300, PARTITIONS, 3);
        TestSource<Payment> source = TestSource.create("payments", PARTITIONS);
        for (int p = 0; p < PARTITIONS; p++) {
            for (Payment payment : input.get(p)) {
                source.emitTo(p, payment);
            }
        }
        source.complete();
        R2dbcUpsertSink<Balance> sink = R2dbcUpsertSink.create(R2dbcSinkOptions.<Balance>builder()
                .connectionFactory(pool)
                .table("balances")
                .key("account")
                .columns(Ledger.COLUMNS)
                .idempotent()
                .chunkSize(1_000)
                .build());
        // the store fails its COMMIT five times, after the sink has flushed the checkpoint
        AtomicInteger failures = new AtomicInteger();
        ConnectionSpy storeConnections = new ConnectionSpy(pool)
                .beforeCommit(commit -> commit % 3 == 0 && failures.get() < 5
                        ? Mono.fromRunnable(failures::incrementAndGet)
                                .then(Mono.error(new IllegalStateException("injected: the store's commit failed")))
                        : Mono.empty());
        PostgresCheckpointStore store = PostgresCheckpointStore.create(PostgresCheckpointStoreOptions.builder()
                .connectionFactory(storeConnections)
                .build());
        SimpleMeterRegistry meters = new SimpleMeterRegistry();

        List<CheckpointEvent> events =
                pipeline(store, sink, source, meters).run().collectList().block(Duration.ofMinutes(2));
        long replayed = events.stream()
                .filter(event -> !event.completed())
                .mapToLong(CheckpointEvent::records)
                .sum();
        assertThat(failures.get()).isEqualTo(5);
        assertThat(events.stream().filter(event -> !event.completed())).hasSize(5);
        assertThat(replayed).as("records of the failed checkpoints").isPositive();
        assertThat(suppressed(meters)).as("suppressed after natural replays").isEqualTo(replayed);
        assertThat(Databases.balances(db)).isEqualTo(Ledger.expected(input, R2dbcBatchingIT.sizes(input)));
        assertThat(Databases.nextOffsets(db, "replay", PARTITIONS)).isEqualTo(R2dbcBatchingIT.sizes(input));

        // replay everything: the store forgets positions and state, as if no checkpoint had completed
        List<List<String>> before = Databases.rows(db, TABLE_DUMP);
        db.execute("UPDATE onceflow_offsets SET next_offset = NULL WHERE pipeline = 'replay';"
                + " DELETE FROM onceflow_state WHERE pipeline = 'replay';"
                + " DELETE FROM onceflow_state_log WHERE pipeline = 'replay'");
        SimpleMeterRegistry replayMeters = new SimpleMeterRegistry();
        List<CheckpointEvent> replay =
                pipeline(store, sink, source, replayMeters).run().collectList().block(Duration.ofMinutes(2));

        assertThat(replay).allMatch(CheckpointEvent::completed);
        assertThat(replay.stream().mapToLong(CheckpointEvent::records).sum()).isEqualTo(PAYMENTS);
        assertThat(Databases.rows(db, TABLE_DUMP))
                .as("the table, row versions (xmin) included")
                .isEqualTo(before);
        assertThat(suppressed(replayMeters)).as("suppressed in the full replay").isEqualTo(PAYMENTS);
        System.out.printf(
                "idempotent replay IT: %d records of 5 failed checkpoints replayed and suppressed; then %d records"
                        + " replayed, %d suppressed, table unchanged (%d rows)%n",
                replayed, PAYMENTS, (long) suppressed(replayMeters), before.size());
    }

    private static Pipeline pipeline(
            PostgresCheckpointStore store,
            R2dbcUpsertSink<Balance> sink,
            TestSource<Payment> source,
            SimpleMeterRegistry meters) {
        return Onceflow.pipeline("replay")
                .checkpointEvery(Duration.ofMillis(20))
                .checkpointAfterRecords(1_500)
                .checkpointStore(store)
                .meterRegistry(meters)
                .restartPolicy(RestartPolicy.defaults().withBackoff(Duration.ofMillis(5), Duration.ofMillis(20)))
                .from(source)
                .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                .to(sink);
    }

    private static double suppressed(SimpleMeterRegistry meters) {
        return meters.get(OnceflowMeters.DUPLICATES_SUPPRESSED)
                .tag(OnceflowMeters.TAG_SINK, "balances")
                .counter()
                .count();
    }
}
