package io.onceflow.it.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Onceflow;
import io.onceflow.core.Pipeline;
import io.onceflow.core.PipelineConfigurationException;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.Sink;
import io.onceflow.core.testkit.TestSource;
import io.onceflow.sinks.r2dbc.OnceflowTables;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.onceflow.sinks.r2dbc.Row;
import io.onceflow.testinfra.PostgresDatabase;
import io.onceflow.testinfra.WithPostgres;
import io.r2dbc.pool.ConnectionPool;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * Values of any size, on the real server: dead letters and keyed state.
 *
 * <p>Dead letters: payloads over 1 MiB are stored cut, with the whole payload's length
 * and SHA-256, and the error's message cut to 8 KiB, so that a checkpoint of many large dead letters is written in
 * statements of bounded size. Before, a checkpoint's dead letters went whole into one statement per 5,000 (the default
 * chunk): a few hundred records near the broker's limit made a statement over PostgreSQL's 1 GB message limit, and
 * the checkpoint failed at every restart.
 *
 * <p>A dead-letter table made before {@code payload_length} and {@code payload_sha256} existed is refused at open
 * with the {@code ALTER TABLE} that adds them, and {@code OnceflowTables.create} adds them.
 *
 * <p>Keyed state of 200 kB a key: a checkpoint's changes pass what the state log may hold (64 MiB), so partitions fold
 * at once, their entries upserted in statements bounded by size, and a second run restores every key from the table
 * and the log.
 */
@WithPostgres(lifetime = WithPostgres.Lifetime.PER_METHOD)
class R2dbcLargeValuesIT {

    private static final int MIB = 1 << 20;

    @Test
    void largePayloadsAreStoredCutWithTheirLengthAndDigest(PostgresDatabase db) throws Exception {
        db.execute("CREATE TABLE uploads (id integer PRIMARY KEY, size bigint NOT NULL)");
        ConnectionPool pool = Databases.pool(db, 4);
        try {
            OnceflowTables.defaults().create(pool, "dead_letters").block(Duration.ofSeconds(30));
            Random random = new Random(7);
            // every third record is good (a number); the others fail in map, and their payload is what map was
            // given: bytes or text, large (over the bound, up to 3 MiB) or small
            List<Object> input = new ArrayList<>();
            List<byte[]> bodies = new ArrayList<>();
            for (int id = 0; id < 48; id++) {
                int size = id % 4 == 1 ? 200 : MIB + random.nextInt(2 * MIB);
                if (id % 3 == 0) {
                    input.add(id);
                    bodies.add(null);
                } else if (id % 2 == 0) {
                    byte[] bytes = new byte[size];
                    random.nextBytes(bytes);
                    input.add(bytes);
                    bodies.add(bytes);
                } else {
                    // text of two- and three-byte characters: a cut at 1 MiB falls inside characters
                    StringBuilder text = new StringBuilder(size / 2);
                    while (text.length() * 2 < size) {
                        text.append(random.nextBoolean() ? '\u00e9' : '\u20ac');
                    }
                    input.add(text.toString());
                    bodies.add(text.toString().getBytes(StandardCharsets.UTF_8));
                }
            }
            TestSource<Object> source = TestSource.create("uploads", 1);
            input.forEach(value -> source.emitTo(0, value));
            source.complete();
            Sink<Integer> sink = uploads(pool, "dead_letters");
            List<CheckpointEvent> events = Onceflow.pipeline("large-dead-letters")
                    .checkpointEvery(Duration.ofSeconds(30)) // one checkpoint: all dead letters in one commit
                    .meterRegistry(new SimpleMeterRegistry())
                    .restartPolicy(RestartPolicy.never())
                    .from(source)
                    .map(value -> {
                        if (value instanceof Integer id) {
                            return id;
                        }
                        // a message far over the bound, as a user's exception quoting its record would be
                        throw new IllegalArgumentException("refused upload: " + "x".repeat(100_000));
                    })
                    .to(sink)
                    .run()
                    .collectList()
                    .block(Duration.ofMinutes(2));
            assertThat(events).isNotEmpty().allMatch(CheckpointEvent::completed);

            assertThat(db.queryForLong("SELECT count(*) FROM uploads")).isEqualTo(16);
            List<List<String>> rows = Databases.rows(
                    db,
                    "SELECT source_offset, coalesce(octet_length(payload_bytes), octet_length(payload)),"
                            + " coalesce(payload_length::text, '-'), coalesce(payload_sha256, '-'),"
                            + " octet_length(error_message),"
                            + " coalesce(encode(sha256(coalesce(payload_bytes, convert_to(payload, 'UTF8'))), 'hex'), '-')"
                            + " FROM dead_letters ORDER BY source_offset");
            assertThat(rows).hasSize(32);
            for (List<String> row : rows) {
                int id = Integer.parseInt(row.get(0));
                byte[] body = bodies.get(id);
                long stored = Long.parseLong(row.get(1));
                assertThat(Long.parseLong(row.get(4))).as("message of %d", id).isLessThanOrEqualTo(8 * 1024);
                if (body.length <= MIB) {
                    assertThat(stored).as("payload of %d, whole", id).isEqualTo(body.length);
                    assertThat(row.get(2)).isEqualTo("-");
                    assertThat(row.get(3)).isEqualTo("-");
                    assertThat(row.get(5)).isEqualTo(sha256(body));
                } else {
                    assertThat(stored)
                            .as("payload of %d, cut", id)
                            .isLessThanOrEqualTo(MIB)
                            .isGreaterThan(MIB - 3);
                    assertThat(Long.parseLong(row.get(2)))
                            .as("length of %d", id)
                            .isEqualTo(body.length);
                    assertThat(row.get(3)).as("digest of %d", id).isEqualTo(sha256(body));
                    // what is stored is the payload's beginning
                    assertThat(row.get(5)).isEqualTo(sha256(Arrays.copyOf(body, (int) stored)));
                }
            }
            assertThat(db.queryForLong("SELECT count(*) FROM dead_letters WHERE payload_length IS NOT NULL"))
                    .isEqualTo(rows.stream()
                            .filter(r -> bodies.get(Integer.parseInt(r.get(0))).length > MIB)
                            .count())
                    .isGreaterThan(20);
        } finally {
            pool.dispose();
        }
    }

    /** A keyed state that grew large: its key, a count and 200 kB of text. */
    record Blob(String key, long count, String filler) {
        static Blob empty(String key) {
            return new Blob(key, 0, "");
        }

        Blob add(int n) {
            return new Blob(key, count + 1, filler.isEmpty() ? "b".repeat(200_000) : filler);
        }
    }

    @Test
    void largeKeyedStatesAreFoldedInBoundedStatementsAndRestored(PostgresDatabase db) throws Exception {
        db.execute("CREATE TABLE blob_counts (blob text PRIMARY KEY, count bigint NOT NULL)");
        ConnectionPool pool = Databases.pool(db, 4);
        try {
            OnceflowTables.defaults().create(pool).block(Duration.ofSeconds(30));
            int keys = 350;
            // each run: two checkpoints, each changing every key's state once (70 MB of state a checkpoint)
            runBlobs(pool, keys, 0, 2);
            runBlobs(pool, keys, 2, 4);
            assertThat(Databases.pairs(db, "SELECT blob, count::text FROM blob_counts"))
                    .hasSize(keys)
                    .allSatisfy((blob, count) -> assertThat(count).as(blob).isEqualTo("4"));
            assertThat(db.queryForLong("SELECT count(*) FROM onceflow_state WHERE operator = 'blobs'"))
                    .as("folded into the state table")
                    .isPositive();
        } finally {
            pool.dispose();
        }
    }

    /** Checkpoints {@code from} (inclusive) to {@code to} of the blob job, restoring what earlier runs committed. */
    private static void runBlobs(ConnectionPool pool, int keys, int from, int to) {
        TestSource<Integer> source = TestSource.create("blobs", 2);
        Pipeline pipeline = Onceflow.pipeline("large-states")
                .checkpointEvery(Duration.ZERO)
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.never())
                .from(source)
                .keyed("blobs", (Integer n) -> "blob-" + (n % keys), Blob::empty, Blob::add)
                .to(R2dbcUpsertSink.create(R2dbcSinkOptions.<Blob>builder()
                        .connectionFactory(pool)
                        .table("blob_counts")
                        .key("blob")
                        .columns(blob -> Row.of("blob", blob.key(), "count", blob.count()))
                        .commitPoint()
                        .build()));
        for (int checkpoint = 0; checkpoint < from; checkpoint++) {
            emitCheckpoint(source, keys, checkpoint); // committed already: the source starts after them
        }
        List<CheckpointEvent> events = new CopyOnWriteArrayList<>();
        Mono<Void> finished = pipeline.run().doOnNext(events::add).then().cache();
        finished.subscribe(done -> {}, failure -> {});
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> source.opens() > 0);
        for (int checkpoint = from; checkpoint < to; checkpoint++) {
            emitCheckpoint(source, keys, checkpoint);
            CheckpointEvent event = source.checkpoint().block(Duration.ofMinutes(1));
            assertThat(event.completed())
                    .as("checkpoint %d: %s", checkpoint, event)
                    .isTrue();
        }
        source.complete();
        finished.block(Duration.ofMinutes(1));
        assertThat(events).isNotEmpty().allMatch(CheckpointEvent::completed);
    }

    private static void emitCheckpoint(TestSource<Integer> source, int keys, int checkpoint) {
        for (int k = 0; k < keys; k++) {
            int n = checkpoint * keys + k;
            source.emitTo(Ledger.partition("blob-" + (n % keys), 2), n);
        }
    }

    @Test
    void aDeadLetterTableWithoutTheNewColumnsIsRefusedThenCompletedByCreate(PostgresDatabase db) throws Exception {
        // the dead-letter table as Onceflow made it before payload_length and payload_sha256
        db.execute(
                "CREATE TABLE old_dead_letters (id bigserial PRIMARY KEY, pipeline text NOT NULL, sink text NOT NULL,"
                        + " checkpoint_id bigint NOT NULL, source text NOT NULL, source_partition integer NOT NULL,"
                        + " source_offset bigint NOT NULL, source_timestamp bigint NOT NULL, stage text NOT NULL,"
                        + " ordinal integer NOT NULL, error_class text NOT NULL, error_message text NOT NULL, sql_state text,"
                        + " stack_summary text, payload text, payload_bytes bytea,"
                        + " created_at timestamptz NOT NULL DEFAULT now(),"
                        + " UNIQUE (pipeline, source, source_partition, source_offset, stage, ordinal))");
        db.execute("INSERT INTO old_dead_letters (pipeline, sink, checkpoint_id, source, source_partition,"
                + " source_offset, source_timestamp, stage, ordinal, error_class, error_message)"
                + " VALUES ('p', 's', 1, 't', 0, 0, 0, 'map', 0, 'E', 'kept')");
        db.execute("CREATE TABLE uploads (id integer PRIMARY KEY, size bigint NOT NULL)");
        ConnectionPool pool = Databases.pool(db, 4);
        try {
            OnceflowTables.defaults().create(pool).block(Duration.ofSeconds(30));
            Throwable refused = catchThrowable(() -> runOne(pool));
            while (refused != null && !(refused instanceof PipelineConfigurationException)) {
                refused = refused.getCause();
            }
            assertThat(refused)
                    .as("the open's failure")
                    .isNotNull()
                    .hasMessageContaining("has no column payload_length, payload_sha256")
                    .hasMessageContaining(
                            "ALTER TABLE \"old_dead_letters\" ADD COLUMN IF NOT EXISTS \"payload_length\"");

            OnceflowTables.defaults().create(pool, "old_dead_letters").block(Duration.ofSeconds(30));
            assertThat(runOne(pool)).isNotEmpty().allMatch(CheckpointEvent::completed);
            assertThat(Databases.rows(db, "SELECT error_message FROM old_dead_letters ORDER BY id"))
                    .as("the rows it held are kept")
                    .containsExactly(List.of("kept"), List.of("refused"));
        } finally {
            pool.dispose();
        }
    }

    private static List<CheckpointEvent> runOne(ConnectionPool pool) {
        TestSource<Integer> source = TestSource.create("numbers", 1);
        source.emitTo(0, 1);
        source.complete();
        Sink<Integer> sink = uploads(pool, "old_dead_letters");
        return Onceflow.pipeline("old-table")
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.never())
                .from(source)
                .<Integer>map(n -> {
                    throw new IllegalStateException("refused");
                })
                .to(sink)
                .run()
                .collectList()
                .block(Duration.ofMinutes(1));
    }

    /** The commit point writing good records' ids to {@code uploads}, its dead letters to {@code deadLetterTable}. */
    private static Sink<Integer> uploads(ConnectionPool pool, String deadLetterTable) {
        return R2dbcUpsertSink.create(R2dbcSinkOptions.<Integer>builder()
                .connectionFactory(pool)
                .table("uploads")
                .key("id")
                .columns(id -> Row.of("id", id, "size", 0L))
                .deadLetterTable(deadLetterTable)
                .commitPoint()
                .build());
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
