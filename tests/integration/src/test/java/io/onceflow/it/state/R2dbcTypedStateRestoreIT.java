package io.onceflow.it.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.Onceflow;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.testkit.InMemoryIdempotentSink;
import io.onceflow.core.testkit.TestSource;
import io.onceflow.it.r2dbc.Databases;
import io.onceflow.it.state.TypedLedger.Account;
import io.onceflow.it.state.TypedLedger.Fresh;
import io.onceflow.it.state.TypedLedger.Spend;
import io.onceflow.it.state.TypedLedger.Summary;
import io.onceflow.sinks.r2dbc.OnceflowTables;
import io.onceflow.sinks.r2dbc.PostgresCheckpointStore;
import io.onceflow.sinks.r2dbc.PostgresCheckpointStoreOptions;
import io.onceflow.testinfra.PostgresDatabase;
import io.onceflow.testinfra.WithPostgres;
import io.r2dbc.pool.ConnectionPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * State restored from the PostgreSQL state table keeps its exact type: the job of {@link KafkaTypedStateRestoreIT},
 * its state committed by the PostgreSQL checkpoint store, goes through three runs, each restoring what the one before
 * committed, and its output equals one fold of the whole input.
 */
@WithPostgres
class R2dbcTypedStateRestoreIT {

    private static final int PARTITIONS = 3;

    @Test
    void stateRestoredFromTheStateTableIsTheStateThatWasCommitted(PostgresDatabase db) {
        ConnectionPool pool = Databases.pool(db, 4);
        try {
            OnceflowTables.defaults().create(pool).block(Duration.ofSeconds(30));
            PostgresCheckpointStore store = PostgresCheckpointStore.create(PostgresCheckpointStoreOptions.builder()
                    .connectionFactory(pool)
                    .build());
            InMemoryIdempotentSink<Summary, String> summaries =
                    InMemoryIdempotentSink.create("summaries", s -> s.account() + "#" + s.spends());
            List<Spend> all = new ArrayList<>();
            for (int run = 0; run < 3; run++) {
                all.addAll(TypedLedger.spends(run * 2_000L, 2_000, 60, run));
                TestSource<Spend> source = TestSource.create("spends", PARTITIONS);
                // every run sees the whole log so far, and resumes where the one before committed
                all.forEach(spend -> source.emitTo(Math.floorMod(spend.account().hashCode(), PARTITIONS), spend));
                source.complete();
                Onceflow.pipeline("typed")
                        .checkpointEvery(Duration.ZERO)
                        .checkpointAfterRecords(500)
                        .meterRegistry(new SimpleMeterRegistry())
                        .restartPolicy(RestartPolicy.never())
                        .checkpointStore(store)
                        .from(source)
                        .keyed("accounts", Spend::account, account -> (Account) new Fresh(account), Account::apply)
                        .map(Summary::of)
                        .to(summaries)
                        .run()
                        .blockLast(Duration.ofMinutes(2));
            }
            List<Summary> rows = new ArrayList<>(summaries.table().values());
            rows.sort(Comparator.comparing(Summary::account).thenComparingLong(Summary::spends));
            assertThat(TypedLedger.byAccount(rows)).isEqualTo(TypedLedger.expected(all));
        } finally {
            pool.dispose();
        }
    }
}
