package io.onceflow.it.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.Onceflow;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.ProtocolStep;
import io.onceflow.core.testkit.TestSource;
import io.onceflow.it.r2dbc.Ledger.Balance;
import io.onceflow.it.r2dbc.Ledger.Payment;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.onceflow.sinks.r2dbc.Row;
import io.onceflow.testinfra.PostgresDatabase;
import io.onceflow.testinfra.WithPostgres;
import io.r2dbc.pool.ConnectionPool;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * On the real server: after failures and replays, every row of an idempotent sink equals the last write of its key in
 * the commit point's committed output, in both modes (all rows, and last-write-wins), for a pipeline whose
 * asynchronous work finishes out of order before its keyed operator and whose records each write two rows of their
 * key (a draft, then the final balance).
 *
 * <p>Before versions carried the row's ordinal among its record's rows, the draft stayed in the table (the final row
 * had an equal version and was suppressed); before {@code flatMap} kept its records' order, a newer balance could
 * carry an older offset and be suppressed, leaving an older balance in the table.
 */
@WithPostgres
class R2dbcIdempotentConvergenceIT {

    private static final int PAYMENTS = 6_000;
    private static final int PARTITIONS = 3;
    private static final String ROWS_DDL = "CREATE TABLE %s (account text PRIMARY KEY, stage text NOT NULL,"
            + " balance_cents bigint NOT NULL, payments bigint NOT NULL, onceflow_partition text,"
            + " onceflow_offset bigint, onceflow_ordinal integer NOT NULL DEFAULT 0)";
    private static ConnectionPool pool;

    /** A balance as a row: its draft, written first, then its final form. */
    record Staged(String stage, Balance balance) {
        Row row() {
            return Row.of(
                    "account",
                    balance.account(),
                    "stage",
                    stage,
                    "balance_cents",
                    balance.cents(),
                    "payments",
                    balance.payments());
        }
    }

    @BeforeAll
    static void setUp(PostgresDatabase db) throws Exception {
        db.execute(String.format(ROWS_DDL, "all_rows") + "; " + String.format(ROWS_DDL, "coalesced"));
        pool = Databases.pool(db, 4);
    }

    @AfterAll
    static void tearDown() {
        pool.dispose();
    }

    @Test
    void everyRowEqualsTheLastCommittedWriteOfItsKey(PostgresDatabase db) throws Exception {
        List<List<Payment>> input = Ledger.payments(PAYMENTS, 200, PARTITIONS, 11);
        TestSource<Payment> source = TestSource.create("payments", PARTITIONS);
        for (int p = 0; p < PARTITIONS; p++) {
            for (Payment payment : input.get(p)) {
                source.emitTo(p, payment);
            }
        }
        source.complete();
        InMemoryCommitPoint<Staged> ledger = InMemoryCommitPoint.create("ledger");
        // the commit point fails after the sinks flushed: their rows of the failed checkpoint are replayed. The first
        // commit always fails (a loaded machine once took so few checkpoints that the random draws never failed one)
        ledger.failNext(ProtocolStep.AFTER_COMMIT);
        ledger.failRandomly(0.3, 7, ProtocolStep.BEFORE_COMMIT, ProtocolStep.AFTER_COMMIT);
        Random delays = new Random(3);

        Onceflow.pipeline("converge")
                .checkpointEvery(Duration.ZERO)
                .checkpointAfterRecords(400)
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.defaults()
                        .withMaxAttempts(1_000)
                        .withBackoff(Duration.ofMillis(1), Duration.ofMillis(10)))
                .from(source)
                .flatMap(
                        payment -> delays.nextInt(8) == 0
                                ? Mono.just(payment).delayElement(Duration.ofMillis(1), Schedulers.parallel())
                                : Mono.just(payment),
                        8)
                .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                .flatMap(balance -> Flux.just(new Staged("draft", balance), new Staged("final", balance)), 1)
                .to(ledger, sink("all_rows", false), sink("coalesced", true))
                .run()
                .blockLast(Duration.ofMinutes(3));

        Map<String, List<String>> lastCommitted = new TreeMap<>();
        for (Staged staged : ledger.committed()) {
            Balance balance = staged.balance();
            lastCommitted.put(
                    balance.account(),
                    List.of(
                            balance.account(),
                            staged.stage(),
                            Long.toString(balance.cents()),
                            Long.toString(balance.payments())));
        }
        assertThat(ledger.injectedFailures()).as("commits failed after a flush").isPositive();
        assertThat(lastCommitted).hasSize(200);
        for (String table : List.of("all_rows", "coalesced")) {
            Map<String, List<String>> rows = new TreeMap<>();
            for (List<String> row : Databases.rows(
                    db, "SELECT account, stage, balance_cents, payments FROM " + table + " ORDER BY account")) {
                rows.put(row.get(0), row);
            }
            assertThat(rows).as(table).isEqualTo(lastCommitted);
        }
        System.out.printf(
                "idempotent convergence IT: %d payments, %d injected commit failures, 2 tables of %d rows equal to"
                        + " the last committed write of each key%n",
                PAYMENTS, ledger.injectedFailures(), lastCommitted.size());
    }

    private static R2dbcUpsertSink<Staged> sink(String table, boolean lastWriteWins) {
        return R2dbcUpsertSink.create(R2dbcSinkOptions.<Staged>builder()
                .connectionFactory(pool)
                .table(table)
                .key("account")
                .columns(Staged::row)
                .idempotent()
                .lastWriteWins(lastWriteWins)
                .chunkSize(500)
                .build());
    }
}
