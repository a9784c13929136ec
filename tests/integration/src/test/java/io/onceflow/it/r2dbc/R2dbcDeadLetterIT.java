package io.onceflow.it.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Onceflow;
import io.onceflow.core.PipelineBuilder;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.Sink;
import io.onceflow.core.testkit.TestSource;
import io.onceflow.sinks.r2dbc.OnceflowTables;
import io.onceflow.sinks.r2dbc.PostgresCheckpointStore;
import io.onceflow.sinks.r2dbc.PostgresCheckpointStoreOptions;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.onceflow.sinks.r2dbc.Row;
import io.onceflow.testinfra.PostgresDatabase;
import io.onceflow.testinfra.WithPostgres;
import io.r2dbc.pool.ConnectionPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rows the database refuses (a check constraint, a value too long for its column, invalid JSON for a jsonb column)
 * and records a user function fails on are dead-lettered with their origin, in the checkpoint's transaction, while
 * the rest of the checkpoint commits: the table holds exactly the good records' effect, the dead-letter table
 * exactly the bad ones, and together they account for every input record. In both modes.
 */
@WithPostgres
class R2dbcDeadLetterIT {

    private static final int UPDATES = 3_000;
    private static final int PARTITIONS = 2;
    private static ConnectionPool pool;

    /** An account update; the bad ones are planted at known offsets. */
    record Update(String account, String name, long cents, String details) {}

    /** Why a record is bad, or {@code null}; the first reason that applies is the one reported. */
    static String badBecause(Update update) {
        if (update.details().equals("boom")) {
            return "map";
        }
        if (update.name().length() > 10) {
            return "22001";
        }
        if (update.cents() < 0) {
            return "23514";
        }
        if (update.details().equals("{not json")) {
            return "22P02";
        }
        return null;
    }

    @BeforeAll
    static void setUp(PostgresDatabase db) throws Exception {
        db.execute("CREATE TABLE accounts (account text PRIMARY KEY, name varchar(10) NOT NULL, balance_cents bigint"
                + " NOT NULL CHECK (balance_cents >= 0), details jsonb, onceflow_partition text, onceflow_offset"
                + " bigint, onceflow_ordinal integer)");
        pool = Databases.pool(db, 4);
        OnceflowTables.defaults().create(pool, "dead_letters").block(Duration.ofSeconds(30));
    }

    @AfterAll
    static void tearDown() {
        pool.dispose();
    }

    @Test
    void commitPointDeadLettersBadRowsAndCommitsTheRest(PostgresDatabase db) throws Exception {
        run(db, "dl-commit", false);
    }

    @Test
    void idempotentSinkDeadLettersBadRowsAndCommitsTheRest(PostgresDatabase db) throws Exception {
        run(db, "dl-idempotent", true);
    }

    private void run(PostgresDatabase db, String pipeline, boolean idempotent) throws Exception {
        db.execute("TRUNCATE accounts, dead_letters");
        List<List<Update>> input = input();
        TestSource<Update> source = TestSource.create("updates", PARTITIONS);
        for (int p = 0; p < PARTITIONS; p++) {
            for (Update update : input.get(p)) {
                source.emitTo(p, update);
            }
        }
        source.complete();
        R2dbcSinkOptions.Builder<Update> options = R2dbcSinkOptions.<Update>builder()
                .connectionFactory(pool)
                .table("accounts")
                .key("account")
                .columns(u -> Row.of(
                        "account", u.account(), "name", u.name(), "balance_cents", u.cents(), "details", u.details()))
                .deadLetterTable("dead_letters")
                .chunkSize(256);
        Sink<Update> sink = R2dbcUpsertSink.create(
                idempotent
                        ? options.idempotent().build()
                        : options.commitPoint().build());
        PipelineBuilder builder = Onceflow.pipeline(pipeline)
                .checkpointEvery(Duration.ofMillis(50))
                .checkpointAfterRecords(700)
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.never());
        if (idempotent) {
            builder = builder.checkpointStore(PostgresCheckpointStore.create(PostgresCheckpointStoreOptions.builder()
                    .connectionFactory(pool)
                    .deadLetterTable("dead_letters")
                    .build()));
        }
        List<CheckpointEvent> events = builder.from(source)
                .map(update -> {
                    if (update.details().equals("boom")) {
                        throw new IllegalArgumentException("cannot map update of " + update.account());
                    }
                    return update;
                })
                .to(sink)
                .run()
                .collectList()
                .block(Duration.ofMinutes(1));
        assertThat(events).allMatch(CheckpointEvent::completed);

        // expected, from the input alone: the last good update per account, and every bad record by origin
        Map<String, Update> good = new TreeMap<>();
        Map<String, String> bad = new TreeMap<>();
        List<Update> flat = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            List<Update> partition = input.get(p);
            for (int offset = 0; offset < partition.size(); offset++) {
                Update update = partition.get(offset);
                flat.add(update);
                String reason = badBecause(update);
                if (reason == null) {
                    good.put(update.account(), update);
                } else {
                    bad.put("updates/" + p + "/" + offset, reason);
                }
            }
        }
        Map<String, Update> table = new TreeMap<>();
        for (List<String> row :
                Databases.rows(db, "SELECT account, name, balance_cents, details::text FROM accounts")) {
            table.put(row.get(0), new Update(row.get(0), row.get(1), Long.parseLong(row.get(2)), row.get(3)));
        }
        Map<String, String> deadLetters = Databases.pairs(
                db,
                "SELECT source || '/' || source_partition || '/' || source_offset,"
                        + " CASE WHEN stage = 'map' THEN 'map' ELSE sql_state END FROM dead_letters"
                        + " WHERE pipeline = '" + pipeline + "'");
        assertThat(new TreeMap<>(deadLetters)).isEqualTo(bad);
        assertThat(table).isEqualTo(normalized(good));
        assertThat(Databases.rows(db, "SELECT DISTINCT stage FROM dead_letters WHERE stage <> 'map'"))
                .containsExactly(List.of("sink:accounts"));
        assertThat(db.queryForLong("SELECT count(*) FROM dead_letters WHERE payload IS NULL OR error_message = ''"))
                .isZero();
        assertThat(Databases.nextOffsets(db, pipeline, PARTITIONS))
                .containsExactly(input.get(0).size(), input.get(1).size());
        long goodRecords = flat.stream().filter(u -> badBecause(u) == null).count();
        assertThat(goodRecords + deadLetters.size()).as("nothing lost").isEqualTo(UPDATES);
        System.out.printf(
                "dead-letter IT (%s): %d records, %d dead-lettered %s, %d accounts committed%n",
                idempotent ? "idempotent + checkpoint store" : "commit point",
                UPDATES,
                deadLetters.size(),
                new TreeSet<>(deadLetters.values())
                        .stream()
                                .map(reason -> reason + "="
                                        + deadLetters.values().stream()
                                                .filter(reason::equals)
                                                .count())
                                .toList(),
                table.size());
    }

    private static List<List<Update>> input() {
        List<List<Update>> input = List.of(new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < UPDATES; i++) {
            String account = "a-" + (i % 300);
            String name = i % 89 == 0 ? "a name far too long" : "n" + i;
            long cents = i % 97 == 0 ? -5 : i;
            String details = i % 83 == 0 ? "{not json" : i % 101 == 0 ? "boom" : "{\"i\": " + i + "}";
            input.get(Ledger.partition(account, PARTITIONS)).add(new Update(account, name, cents, details));
        }
        return input;
    }

    /** As PostgreSQL gives a jsonb value back. */
    private static Map<String, Update> normalized(Map<String, Update> updates) {
        Map<String, Update> normalized = new HashMap<>();
        updates.forEach((account, u) -> normalized.put(
                account,
                new Update(u.account(), u.name(), u.cents(), u.details().replace("{\"i\": ", "{\"i\": "))));
        return new TreeMap<>(normalized);
    }
}
