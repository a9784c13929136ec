package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.benchmarks.BenchmarkOptions;
import io.onceflow.benchmarks.r2dbc.BenchDatabase;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import io.onceflow.sinks.r2dbc.OnceflowTables;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.r2dbc.spi.Connection;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import reactor.core.publisher.Mono;

/**
 * The commit point's state write into a state table packed full ({@code fillfactor} 100, PostgreSQL's default) and
 * into one that leaves room on each page ({@code fillfactor} 50): the keyed state of a checkpoint is an update of
 * every changed key, each key once per checkpoint.
 *
 * <p>In a full page, a key's new version goes to another page, and the table's primary key index gets an entry for
 * it too; with room on the page, PostgreSQL writes it there as a heap-only tuple (HOT) and leaves the index alone.
 * Half a page is what a checkpoint that changes every key of a page needs: the previous checkpoint's versions are
 * dead by then and pruned, this checkpoint's replaced ones are not yet.
 *
 * <p>Each table first gets {@code keys} keys (inserts), then every round writes a checkpoint changing all of them to
 * each table in turn, in a different order each round, with the commit point's own statement
 * ({@link CommitStatements#writeState}), in one transaction each, timed from {@code BEGIN} to the end of
 * {@code COMMIT}. Prints the median per checkpoint and the share of updates that were HOT.
 *
 * <pre>
 * java -cp tests/benchmarks/target/benchmarks.jar io.onceflow.sinks.r2dbc.internal.StateTableFillfactorBenchmark \
 *     --keys 10000,100000 --rounds 15
 * </pre>
 */
public final class StateTableFillfactorBenchmark {

    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final int[] FILLFACTORS = {100, 50};
    private static final int PARTITIONS = 4;

    private StateTableFillfactorBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = BenchmarkOptions.parse(args);
        int[] sizes = Arrays.stream(options.getOrDefault("keys", "10000,100000").split(","))
                .mapToInt(Integer::parseInt)
                .toArray();
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "15"));
        try (BenchDatabase db = new BenchDatabase(
                options.getOrDefault("jdbc-url", "jdbc:postgresql://127.0.0.1:5432/postgres"),
                options.getOrDefault("user", "postgres"),
                options.getOrDefault("password", ""))) {
            System.out.println("# " + db.server() + "; " + rounds + " checkpoints per table and size, medians in ms");
            System.out.println("| keys | fillfactor | checkpoint ms (median) | p90 ms | HOT updates | table size |");
            System.out.println("|---:|---:|---:|---:|---:|---:|");
            for (int keys : sizes) {
                measure(db, keys, rounds);
            }
        }
    }

    private static void measure(BenchDatabase db, int keys, int rounds) throws Exception {
        List<StateChange> changes = new ArrayList<>(keys);
        Map<Integer, List<Long>> times = new TreeMap<>();
        for (int fillfactor : FILLFACTORS) {
            String table = table(fillfactor);
            try (java.sql.Connection jdbc = db.connect(false);
                    Statement statement = jdbc.createStatement()) {
                statement.execute("DROP TABLE IF EXISTS " + table);
                statement.execute(TableSpec.STATE.ddl(table)); // its default, set again below
                statement.execute("ALTER TABLE " + table + " SET (fillfactor = " + fillfactor + ")");
            }
            times.put(fillfactor, new ArrayList<>());
        }
        Connection connection = Mono.from(db.pool().create()).block(TIMEOUT);
        try {
            for (int round = 0; round <= rounds; round++) {
                changes.clear();
                for (int k = 0; k < keys; k++) {
                    changes.add(change(k, round));
                }
                for (int step = 0; step < FILLFACTORS.length; step++) {
                    int fillfactor = FILLFACTORS[(step + round) % FILLFACTORS.length];
                    long start = System.nanoTime();
                    write(connection, fillfactor, round + 1L, changes);
                    if (round > 0) { // round 0 inserts the keys
                        times.get(fillfactor).add(System.nanoTime() - start);
                    }
                }
            }
            // a backend's statistics reach pg_stat_user_tables when it flushes them: at once, when it next goes idle
            Transactions.update(connection, "SELECT pg_stat_force_next_flush()").block(TIMEOUT);
        } finally {
            Mono.from(connection.close()).block(TIMEOUT);
        }
        for (int fillfactor : FILLFACTORS) {
            List<Long> sorted = new ArrayList<>(times.get(fillfactor));
            sorted.sort(null);
            System.out.printf(
                    Locale.ROOT,
                    "| %,d | %d | %.1f | %.1f | %s | %s |%n",
                    keys,
                    fillfactor,
                    sorted.get(sorted.size() / 2) / 1e6,
                    sorted.get(sorted.size() * 9 / 10) / 1e6,
                    hotShare(db, table(fillfactor)),
                    size(db, table(fillfactor)));
        }
    }

    private static void write(Connection connection, int fillfactor, long checkpoint, List<StateChange> changes) {
        CommitStatements statements =
                new CommitStatements(new OnceflowTables("onceflow_offsets", table(fillfactor), "onceflow_checkpoints"));
        Long written = Mono.from(connection.beginTransaction())
                .then(statements
                        .writeStateRows(
                                connection,
                                "ledger",
                                checkpoint,
                                changes,
                                List.of(),
                                R2dbcSinkOptions.DEFAULT_CHUNK_SIZE)
                        .count())
                .flatMap(count -> Mono.from(connection.commitTransaction()).thenReturn(count))
                .block(TIMEOUT);
        if (written == null || written < 1) {
            throw new IllegalStateException("the state write to " + table(fillfactor) + " wrote nothing");
        }
    }

    /** Key {@code k}'s state as the ledger job encodes it, different in every round. */
    private static StateChange change(int k, int round) {
        String json = "{\"account\":\"acct-" + k + "\",\"cents\":" + (k * 31L + round * 1_000L) + ",\"payments\":"
                + (round + 1) + ",\"lastPaymentId\":" + (round * 100_000L + k) + "}";
        return new StateChange(
                "balances",
                new SourcePartition("ledger-payments", k % PARTITIONS),
                "acct-" + k,
                json.getBytes(StandardCharsets.UTF_8));
    }

    private static String table(int fillfactor) {
        return "state_fillfactor_" + fillfactor;
    }

    private static String hotShare(BenchDatabase db, String table) throws Exception {
        try (java.sql.Connection jdbc = db.connect(false);
                Statement statement = jdbc.createStatement();
                ResultSet row = statement.executeQuery("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables"
                        + " WHERE relname = '" + table + "'")) {
            if (!row.next() || row.getLong(1) == 0) {
                return "?";
            }
            return String.format(Locale.ROOT, "%.0f%%", 100.0 * row.getLong(2) / row.getLong(1));
        }
    }

    private static String size(BenchDatabase db, String table) throws Exception {
        try (java.sql.Connection jdbc = db.connect(false);
                Statement statement = jdbc.createStatement();
                ResultSet row =
                        statement.executeQuery("SELECT pg_size_pretty(pg_total_relation_size('" + table + "'))")) {
            row.next();
            return row.getString(1);
        }
    }
}
