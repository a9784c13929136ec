package io.onceflow.it.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Onceflow;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.testkit.TestSource;
import io.onceflow.sinks.r2dbc.OnceflowTables;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.onceflow.sinks.r2dbc.Row;
import io.onceflow.testinfra.PostgresDatabase;
import io.onceflow.testinfra.WithPostgres;
import io.r2dbc.pool.ConnectionPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Dead letters of a commit point that coalesces a key's records within a checkpoint, on the real server, in its two
 * ways: {@code lastWriteWins()} makes a row for every record as it arrives, so a record its {@code columns} function
 * fails on is a dead letter even when a newer record of its key follows, and the newest record it could make a row for
 * is written; {@code lastWriteWins(rowKey)} makes the row of the newest record of each key only, so a superseded
 * record is never mapped, and a newest one that cannot be written is a dead letter while the key's row keeps its value
 * from before the checkpoint. In both, a row the database refuses (a value too long, a check constraint) is a dead
 * letter.
 *
 * <p>What the table and the dead-letter table must hold is computed from the input and each checkpoint's committed
 * positions alone: every record is written, superseded within its checkpoint, or a dead letter.
 */
@WithPostgres
class R2dbcCoalescedDeadLetterIT {

    private static final int UPDATES = 4_000;
    private static final int ACCOUNTS = 40;
    private static final int PARTITIONS = 2;
    private static final String SOURCE = "updates";
    /** Records of a partition emitted at a time, each slice committed before the next. */
    private static final int SLICE = 120;

    private static ConnectionPool pool;

    /** An account update; bad ones are planted by their index. */
    record Update(String account, String name, long cents) {}

    /** How the sink coalesces. */
    enum Coalescing {
        ROWS,
        ROW_KEY
    }

    /** Why a record cannot be written, or {@code null}: its columns function fails, or the database refuses it. */
    static String badBecause(Update update) {
        if (update.name().equals("boom")) {
            return "columns";
        }
        if (update.name().length() > 10) {
            return "22001";
        }
        if (update.cents() < 0) {
            return "23514";
        }
        return null;
    }

    @BeforeAll
    static void setUp(PostgresDatabase db) throws Exception {
        db.execute("CREATE TABLE coalesced (account text PRIMARY KEY, name varchar(10) NOT NULL, balance_cents bigint"
                + " NOT NULL CHECK (balance_cents >= 0))");
        pool = Databases.pool(db, 4);
        OnceflowTables.defaults().create(pool, "coalesced_dead_letters").block(Duration.ofSeconds(30));
    }

    @AfterAll
    static void tearDown() {
        pool.dispose();
    }

    @ParameterizedTest
    @EnumSource(Coalescing.class)
    void everyRecordIsWrittenSupersededOrDeadLettered(Coalescing coalescing, PostgresDatabase db) throws Exception {
        String pipeline = "coalesced-" + coalescing.name().toLowerCase(java.util.Locale.ROOT);
        db.execute("TRUNCATE coalesced, coalesced_dead_letters");
        List<List<Update>> input = input();
        TestSource<Update> source = TestSource.create(SOURCE, PARTITIONS);
        R2dbcSinkOptions.Builder<Update> options = R2dbcSinkOptions.<Update>builder()
                .connectionFactory(pool)
                .table("coalesced")
                .key("account")
                .columns(update -> {
                    if (update.name().equals("boom")) {
                        throw new IllegalStateException("cannot make the row of " + update.account());
                    }
                    return Row.of("account", update.account(), "name", update.name(), "balance_cents", update.cents());
                })
                .commitPoint()
                .deadLetterTable("coalesced_dead_letters")
                .chunkSize(16);
        R2dbcUpsertSink<Update> sink = R2dbcUpsertSink.create(
                (coalescing == Coalescing.ROWS ? options.lastWriteWins() : options.lastWriteWins(Update::account))
                        .build());
        CompletableFuture<List<CheckpointEvent>> run = Onceflow.pipeline(pipeline)
                .checkpointEvery(Duration.ofMillis(20))
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.never())
                .from(source)
                .map(Function.<Update>identity())
                .to(sink)
                .run()
                .collectList()
                .toFuture();
        // the input in slices, each committed before the next: many checkpoints, keys written again in each
        long[] emitted = new long[PARTITIONS];
        while (emitted[0] < input.get(0).size() || emitted[1] < input.get(1).size()) {
            for (int p = 0; p < PARTITIONS; p++) {
                List<Update> partition = input.get(p);
                int to = (int) Math.min(partition.size(), emitted[p] + SLICE);
                for (Update update : partition.subList((int) emitted[p], to)) {
                    source.emitTo(p, update);
                }
                emitted[p] = to;
            }
            R2dbcBatchingIT.awaitOffsets(db, pipeline, emitted);
        }
        source.complete();
        List<CheckpointEvent> events = run.get(1, TimeUnit.MINUTES);
        assertThat(events).allMatch(CheckpointEvent::completed);
        assertThat(events.size()).as("checkpoints").isGreaterThanOrEqualTo(UPDATES / PARTITIONS / SLICE);

        Map<String, Update> expectedTable = new TreeMap<>();
        Set<String> expectedDead = new TreeSet<>();
        int supersededBad = 0;
        for (int p = 0; p < PARTITIONS; p++) {
            long from = 0;
            for (CheckpointEvent event : events) {
                long next = event.positions()
                        .nextOffset(new SourcePartition(SOURCE, p))
                        .orElse(from);
                supersededBad += checkpoint(input.get(p), p, from, next, coalescing, expectedTable, expectedDead);
                from = next;
            }
            assertThat(from)
                    .as("partition %d committed whole", p)
                    .isEqualTo(input.get(p).size());
        }
        Map<String, Update> table = new TreeMap<>();
        for (List<String> row : Databases.rows(db, "SELECT account, name, balance_cents FROM coalesced")) {
            table.put(row.get(0), new Update(row.get(0), row.get(1), Long.parseLong(row.get(2))));
        }
        Set<String> dead = new TreeSet<>(Databases.pairs(
                        db,
                        "SELECT source || '/' || source_partition || '/' || source_offset, stage"
                                + " FROM coalesced_dead_letters WHERE pipeline = '" + pipeline + "'")
                .keySet());

        assertThat(table).isEqualTo(expectedTable);
        assertThat(dead).isEqualTo(expectedDead);
        // the case this test is about happened: bad records were superseded, and newest ones were dead-lettered
        assertThat(supersededBad)
                .as("bad records superseded within their checkpoint")
                .isPositive();
        assertThat(expectedDead).isNotEmpty();
        System.out.printf(
                "coalesced dead letters (%s): %d records in %d checkpoints, %d dead letters, %d bad records"
                        + " superseded, %d accounts%n",
                coalescing, UPDATES, events.size(), dead.size(), supersededBad, table.size());
    }

    /**
     * Applies one checkpoint of partition {@code p}, offsets {@code from} to {@code next}, to the expected table and
     * dead letters; returns how many bad records in it were superseded without being dead-lettered.
     */
    private static int checkpoint(
            List<Update> partition,
            int p,
            long from,
            long next,
            Coalescing coalescing,
            Map<String, Update> table,
            Set<String> dead) {
        Map<String, Integer> newest = new LinkedHashMap<>();
        int badSeen = 0;
        int badDead = 0;
        for (int offset = (int) from; offset < next; offset++) {
            Update update = partition.get(offset);
            String reason = badBecause(update);
            if (reason != null) {
                badSeen++;
            }
            if (coalescing == Coalescing.ROWS && "columns".equals(reason)) {
                // its row is made, and fails, as it arrives: a dead letter, and not a candidate for its key
                dead.add(SOURCE + "/" + p + "/" + offset);
                badDead++;
                continue;
            }
            newest.put(update.account(), offset);
        }
        for (int offset : newest.values()) {
            Update update = partition.get(offset);
            if (badBecause(update) != null) {
                dead.add(SOURCE + "/" + p + "/" + offset); // the key's row keeps its value from before
                badDead++;
            } else {
                table.put(update.account(), update);
            }
        }
        return badSeen - badDead;
    }

    private static List<List<Update>> input() {
        List<List<Update>> input = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            input.add(new ArrayList<>());
        }
        for (int i = 0; i < UPDATES; i++) {
            String account = "a-" + (i % ACCOUNTS);
            String name = i % 7 == 3 ? "boom" : i % 11 == 5 ? "a name far too long" : "n" + i;
            long cents = i % 13 == 7 ? -1 : i;
            input.get(Ledger.partition(account, PARTITIONS)).add(new Update(account, name, cents));
        }
        return input;
    }
}
