package io.onceflow.it.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Onceflow;
import io.onceflow.core.PipelineStatus;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import io.onceflow.it.r2dbc.Ledger.Balance;
import io.onceflow.it.r2dbc.Ledger.Payment;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.onceflow.testinfra.PostgresDatabase;
import io.onceflow.testinfra.WithPostgres;
import io.r2dbc.pool.ConnectionPool;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * On the real server: a row the idempotent balances sink cannot write (an account id holding U+0000, which PostgreSQL
 * text cannot store) and that sink has no dead-letter table of its own. The commit point's dead-letter destination
 * takes it, with the checkpoint being flushed; the rest of the checkpoint is written and the pipeline goes on. Before,
 * the pipeline stopped for good with a PoisonRecordException, and every payment behind the bad one waited.
 */
@WithPostgres
class R2dbcDeadLetterRelayIT {

    @Test
    void aRowTheSinkCannotWriteBecomesADeadLetterOfTheCommitPoint(PostgresDatabase db) throws Exception {
        db.execute(Ledger.VERSIONED_BALANCES_DDL);
        ConnectionPool pool = Databases.pool(db, 4);
        try {
            TestSource<Payment> source = TestSource.create("payments", 1);
            source.emitTo(
                    0,
                    new Payment(0, "acct-1", 10),
                    new Payment(1, "acct-\u0000-evil", 5),
                    new Payment(2, "acct-1", 7),
                    new Payment(3, "acct-2", 3));
            source.complete();
            InMemoryCommitPoint<Balance> ledger =
                    InMemoryCommitPoint.<Balance>create("ledger").withDeadLetters();
            R2dbcUpsertSink<Balance> balances = R2dbcUpsertSink.create(R2dbcSinkOptions.<Balance>builder()
                    .connectionFactory(pool)
                    .table("balances")
                    .key("account")
                    .columns(Ledger.COLUMNS)
                    .idempotent()
                    .build());
            var pipeline = Onceflow.pipeline("relay")
                    .checkpointEvery(Duration.ZERO)
                    .checkpointAfterRecords(2)
                    .meterRegistry(new SimpleMeterRegistry())
                    .restartPolicy(RestartPolicy.never())
                    .from(source)
                    .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                    .to(ledger, balances);

            List<CheckpointEvent> events = pipeline.run().collectList().block(Duration.ofSeconds(30));

            assertThat(events).allMatch(CheckpointEvent::completed);
            assertThat(pipeline.status().state()).isEqualTo(PipelineStatus.State.STOPPED);
            assertThat(ledger.deadLetters()).singleElement().satisfies(dead -> {
                assertThat(dead.origin().offset()).isEqualTo(1);
                assertThat(dead.stage()).isEqualTo("sink:balances");
                assertThat(dead.errorMessage()).contains("U+0000");
            });
            assertThat(Databases.balances(db))
                    .containsOnlyKeys("acct-1", "acct-2")
                    .containsEntry("acct-1", new Balance("acct-1", 17, 2, 2));
        } finally {
            pool.dispose();
        }
    }
}
