package io.onceflow.sinks.r2dbc.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.onceflow.benchmarks.r2dbc.BenchDatabase;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Wrapped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * PostgreSQL's binary {@code COPY} into a temporary table and one merge, against the {@code unnest} upsert the commit
 * point sends, for a checkpoint's rows (issue 14: "consider binary COPY for large chunks where it beats unnest").
 *
 * <p>Both write the same rows of the ledger's {@code balances} table in one transaction, on one connection, timed from
 * {@code BEGIN} to the end of {@code COMMIT}, encoding included:
 *
 * <ul>
 *   <li>{@code unnest}: the statement {@link UpsertSql} makes, one per {@value R2dbcSinkOptions#DEFAULT_CHUNK_SIZE}
 *       rows (the default chunk size), each column a text array literal ({@link ArrayLiteral}), as the commit point
 *       writes the rows left at a marker;
 *   <li>{@code copy}: {@code COPY onceflow_copy FROM STDIN (FORMAT binary)} into a temporary table ({@code ON COMMIT
 *       DELETE ROWS}, created once per connection, outside the timing), then {@code INSERT INTO balances SELECT ...
 *       FROM onceflow_copy ON CONFLICT (account) DO UPDATE}.
 * </ul>
 *
 * <p>Each size is measured twice: into an empty table (every row an insert) and over the rows of the previous round
 * (every row an update, the steady state of a keyed job). The variants alternate within each round (ABBA), and the
 * table is emptied between sizes. The class lives in the sink's internal package to time the very statement the
 * sink sends.
 *
 * <pre>
 * java -cp tests/benchmarks/target/benchmarks.jar io.onceflow.sinks.r2dbc.internal.CopyVersusUnnestBenchmark \
 *     --rows 1000,5000,20000,100000 --rounds 7
 * </pre>
 */
public final class CopyVersusUnnestBenchmark {

    private static final String TABLE = "balances";
    private static final List<String> COLUMNS = List.of("account", "balance_cents", "payments", "last_payment");
    private static final List<String> TYPES = List.of("text", "bigint", "bigint", "bigint");
    private static final String STAGE_DDL = "CREATE TEMPORARY TABLE onceflow_copy (account text, balance_cents bigint,"
            + " payments bigint, last_payment bigint) ON COMMIT DELETE ROWS";
    private static final String COPY = "COPY onceflow_copy FROM STDIN (FORMAT binary)";
    private static final String MERGE = "INSERT INTO balances AS t (account, balance_cents, payments, last_payment)"
            + " SELECT account, balance_cents, payments, last_payment FROM onceflow_copy ON CONFLICT (account)"
            + " DO UPDATE SET balance_cents = EXCLUDED.balance_cents, payments = EXCLUDED.payments,"
            + " last_payment = EXCLUDED.last_payment";
    private static final byte[] SIGNATURE = "PGCOPY\n\377\r\n\0".getBytes(StandardCharsets.ISO_8859_1);
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private CopyVersusUnnestBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new TreeMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int[] sizes = Arrays.stream(
                        options.getOrDefault("rows", "1000,5000,20000,100000").split(","))
                .mapToInt(Integer::parseInt)
                .toArray();
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "7"));
        String upsert = UpsertSql.upsert(TABLE, COLUMNS, TYPES, List.of("account"), null);
        try (BenchDatabase db = new BenchDatabase(
                options.getOrDefault("jdbc-url", "jdbc:postgresql://127.0.0.1:5432/postgres"),
                options.getOrDefault("user", "postgres"),
                options.getOrDefault("password", ""))) {
            System.out.println("# " + db.server() + "; " + rounds + " rounds per size, medians in ms");
            System.out.println("| rows | table | unnest ms | copy ms | copy / unnest |");
            System.out.println("|---:|---|---:|---:|---:|");
            Connection pooled = Mono.from(db.pool().create()).block(TIMEOUT);
            PostgresqlConnection connection = unwrap(pooled);
            Transactions.update(connection, STAGE_DDL).block(TIMEOUT);
            for (int size : sizes) {
                measure(db, connection, upsert, size, rounds);
            }
            Mono.from(pooled.close()).block(TIMEOUT);
        }
    }

    @SuppressWarnings("unchecked")
    private static PostgresqlConnection unwrap(Connection connection) {
        Object inner = connection;
        while (!(inner instanceof PostgresqlConnection) && inner instanceof Wrapped<?> wrapped) {
            inner = wrapped.unwrap();
        }
        return (PostgresqlConnection) inner;
    }

    private static void measure(BenchDatabase db, PostgresqlConnection connection, String upsert, int size, int rounds)
            throws Exception {
        // into an empty table (inserts), then over the previous round's rows (updates)
        for (boolean updates : new boolean[] {false, true}) {
            List<Long> unnest = new ArrayList<>();
            List<Long> copy = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                boolean copyFirst = round % 2 == 1;
                for (int variant = 0; variant < 2; variant++) {
                    boolean isCopy = (variant == 0) == copyFirst;
                    if (!updates) {
                        db.reset();
                    } else if (round == 0 && variant == 0) {
                        db.reset();
                        write(connection, upsert, size, 0, false); // the rows the updates find
                    }
                    long value = round * 2L + variant + 1;
                    long start = System.nanoTime();
                    write(connection, upsert, size, value, isCopy);
                    (isCopy ? copy : unnest).add(System.nanoTime() - start);
                }
            }
            double unnestMs = median(unnest);
            double copyMs = median(copy);
            System.out.printf(
                    Locale.ROOT,
                    "| %,d | %s | %.1f | %.1f | %.2f |%n",
                    size,
                    updates ? "rows exist (updates)" : "empty (inserts)",
                    unnestMs,
                    copyMs,
                    copyMs / unnestMs);
        }
        long[] check = db.check();
        if (check[0] != size) {
            throw new IllegalStateException("expected " + size + " rows, found " + check[0]);
        }
    }

    /** One transaction writing {@code size} rows whose values are derived from {@code value}. */
    private static void write(PostgresqlConnection connection, String upsert, int size, long value, boolean copy) {
        Mono<Long> rows = copy ? copyAndMerge(connection, size, value) : unnest(connection, upsert, size, value);
        Long written = Mono.from(connection.beginTransaction())
                .then(rows)
                .flatMap(count -> Mono.from(connection.commitTransaction()).thenReturn(count))
                .block(TIMEOUT);
        if (written == null || written != size) {
            throw new IllegalStateException((copy ? "copy" : "unnest") + " wrote " + written + " of " + size);
        }
    }

    private static Mono<Long> unnest(Connection connection, String upsert, int size, long value) {
        int chunk = R2dbcSinkOptions.DEFAULT_CHUNK_SIZE;
        return Flux.range(0, (size + chunk - 1) / chunk)
                .concatMap(index -> {
                    int from = index * chunk;
                    int to = Math.min(size, from + chunk);
                    ArrayLiteral accounts = new ArrayLiteral((to - from) * 12);
                    ArrayLiteral balances = new ArrayLiteral((to - from) * 8);
                    ArrayLiteral payments = new ArrayLiteral((to - from) * 4);
                    ArrayLiteral last = new ArrayLiteral((to - from) * 8);
                    for (int i = from; i < to; i++) {
                        accounts.add(account(i));
                        balances.add(value * 100 + i);
                        payments.add(value);
                        last.add(value * 1_000_000 + i);
                    }
                    return Transactions.update(
                            connection, upsert, accounts.build(), balances.build(), payments.build(), last.build());
                })
                .reduce(0L, Long::sum);
    }

    private static Mono<Long> copyAndMerge(PostgresqlConnection connection, int size, long value) {
        return Mono.defer(() -> connection.copyIn(COPY, Flux.just(binaryRows(size, value))))
                .then(Transactions.update(connection, MERGE));
    }

    /** The rows in PostgreSQL's binary copy format: signature, flags, header extension, tuples, trailer. */
    private static ByteBuf binaryRows(int size, long value) {
        ByteBuf buffer = Unpooled.buffer(19 + size * 60);
        buffer.writeBytes(SIGNATURE).writeInt(0).writeInt(0);
        for (int i = 0; i < size; i++) {
            byte[] account = account(i).getBytes(StandardCharsets.UTF_8);
            buffer.writeShort(4);
            buffer.writeInt(account.length).writeBytes(account);
            buffer.writeInt(8).writeLong(value * 100 + i);
            buffer.writeInt(8).writeLong(value);
            buffer.writeInt(8).writeLong(value * 1_000_000 + i);
        }
        return buffer.writeShort(-1);
    }

    private static String account(int i) {
        return "account-" + i;
    }

    private static double median(List<Long> nanos) {
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        double middle = sorted.length % 2 == 1
                ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2.0;
        return middle / 1e6;
    }
}
