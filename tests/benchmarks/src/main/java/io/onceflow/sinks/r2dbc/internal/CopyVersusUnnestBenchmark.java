package io.onceflow.sinks.r2dbc.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.onceflow.benchmarks.BenchmarkOptions;
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
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * PostgreSQL's binary {@code COPY} into a temporary table and one merge, against the {@code unnest} upsert the commit
 * point sends, for a checkpoint's rows (issue 14: "consider binary COPY for large chunks where it beats unnest").
 *
 * <p>Each variant writes the same rows of the ledger's {@code balances} table in one transaction, on one connection, timed from
 * {@code BEGIN} to the end of {@code COMMIT}, encoding included:
 *
 * <ul>
 *   <li>{@code unnest}: the statement {@link UpsertSql} makes, one per {@value R2dbcSinkOptions#DEFAULT_CHUNK_SIZE}
 *       rows (the default chunk size), each column a text array literal ({@link ArrayLiteral}), as the commit point
 *       writes the rows left at a marker;
 *   <li>{@code copy, typed}: {@code COPY ... FROM STDIN (FORMAT binary)} into a temporary table of the target's
 *       types ({@code ON COMMIT DELETE ROWS}, created once per connection, outside the timing), each field in its
 *       type's binary form, then {@code INSERT INTO balances SELECT ... ON CONFLICT (account) DO UPDATE};
 *   <li>{@code copy, text}: the same into a temporary table of text columns, cast to the target's types at the merge:
 *       what a sink could do for any target table without a binary encoder per column type (the unnest statement
 *       casts text arrays the same way).
 * </ul>
 *
 * <p>Each size is measured twice: into an empty table (every row an insert) and over the rows of the previous round
 * (every row an update, the steady state of a keyed job). The variants take turns in a different order each round,
 * and the table is emptied between sizes. The class lives in the sink's internal package to time the very statement the
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
    /** The copy's staging table with the target's types: every field is sent in its binary form. */
    private static final String TYPED_STAGE_DDL = "CREATE TEMPORARY TABLE onceflow_copy_typed (account text,"
            + " balance_cents bigint, payments bigint, last_payment bigint) ON COMMIT DELETE ROWS";
    /**
     * The staging table a sink would use for any target: every column text, cast to the target's type at the merge,
     * as the unnest statement casts its text arrays (no binary encoder per column type).
     */
    private static final String TEXT_STAGE_DDL = "CREATE TEMPORARY TABLE onceflow_copy_text (account text,"
            + " balance_cents text, payments text, last_payment text) ON COMMIT DELETE ROWS";

    private static final String UPDATES = " ON CONFLICT (account) DO UPDATE SET balance_cents = EXCLUDED.balance_cents,"
            + " payments = EXCLUDED.payments, last_payment = EXCLUDED.last_payment";
    private static final String TYPED_MERGE =
            "INSERT INTO balances AS t (account, balance_cents, payments, last_payment)"
                    + " SELECT account, balance_cents, payments, last_payment FROM onceflow_copy_typed" + UPDATES;
    private static final String TEXT_MERGE =
            "INSERT INTO balances AS t (account, balance_cents, payments, last_payment)"
                    + " SELECT account, balance_cents::bigint, payments::bigint, last_payment::bigint FROM onceflow_copy_text"
                    + UPDATES;

    /** How one variant writes a checkpoint's rows. */
    private enum Variant {
        UNNEST,
        COPY_TYPED,
        COPY_TEXT
    }

    private static final byte[] SIGNATURE = "PGCOPY\n\377\r\n\0".getBytes(StandardCharsets.ISO_8859_1);
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    private CopyVersusUnnestBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = BenchmarkOptions.parse(args);
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
            System.out.println("| rows | table | unnest ms | copy, typed ms | copy, text ms | typed / unnest"
                    + " | text / unnest |");
            System.out.println("|---:|---|---:|---:|---:|---:|---:|");
            Connection pooled = Mono.from(db.pool().create()).block(TIMEOUT);
            PostgresqlConnection connection = unwrap(pooled);
            Transactions.update(connection, TYPED_STAGE_DDL).block(TIMEOUT);
            Transactions.update(connection, TEXT_STAGE_DDL).block(TIMEOUT);
            for (int size : sizes) {
                measure(db, connection, upsert, size, rounds);
            }
            Mono.from(pooled.close()).block(TIMEOUT);
        }
    }

    private static PostgresqlConnection unwrap(Connection connection) {
        Object inner = connection;
        while (!(inner instanceof PostgresqlConnection) && inner instanceof Wrapped<?> wrapped) {
            inner = wrapped.unwrap();
        }
        return (PostgresqlConnection) inner;
    }

    private static void measure(BenchDatabase db, PostgresqlConnection connection, String upsert, int size, int rounds)
            throws Exception {
        Variant[] variants = Variant.values();
        // into an empty table (inserts), then over the previous write's rows (updates)
        for (boolean updates : new boolean[] {false, true}) {
            Map<Variant, List<Long>> times = new TreeMap<>();
            for (Variant variant : variants) {
                times.put(variant, new ArrayList<>());
            }
            if (updates) {
                db.reset();
                write(connection, upsert, size, 0, Variant.UNNEST); // the rows the updates find
            }
            for (int round = 0; round < rounds; round++) {
                for (int step = 0; step < variants.length; step++) {
                    // each round in another order, so that no variant always follows the same one
                    Variant variant = variants[(step + round) % variants.length];
                    if (!updates) {
                        db.reset();
                    }
                    long start = System.nanoTime();
                    write(connection, upsert, size, round * variants.length + step + 1L, variant);
                    times.get(variant).add(System.nanoTime() - start);
                }
            }
            double unnest = median(times.get(Variant.UNNEST));
            double typed = median(times.get(Variant.COPY_TYPED));
            double text = median(times.get(Variant.COPY_TEXT));
            System.out.printf(
                    Locale.ROOT,
                    "| %,d | %s | %.1f | %.1f | %.1f | %.2f | %.2f |%n",
                    size,
                    updates ? "rows exist (updates)" : "empty (inserts)",
                    unnest,
                    typed,
                    text,
                    typed / unnest,
                    text / unnest);
        }
        long[] check = db.check();
        if (check[0] != size) {
            throw new IllegalStateException("expected " + size + " rows, found " + check[0]);
        }
    }

    /** One transaction writing {@code size} rows whose values are derived from {@code value}. */
    private static void write(PostgresqlConnection connection, String upsert, int size, long value, Variant variant) {
        Mono<Long> rows = switch (variant) {
            case UNNEST -> unnest(connection, upsert, size, value);
            case COPY_TYPED -> copyAndMerge(connection, typedRows(size, value), "onceflow_copy_typed", TYPED_MERGE);
            case COPY_TEXT -> copyAndMerge(connection, textRows(size, value), "onceflow_copy_text", TEXT_MERGE);
        };
        Long written = Mono.from(connection.beginTransaction())
                .then(rows)
                .flatMap(count -> Mono.from(connection.commitTransaction()).thenReturn(count))
                .block(TIMEOUT);
        if (written == null || written != size) {
            throw new IllegalStateException(variant + " wrote " + written + " of " + size);
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

    /** Encoding is part of the variant's time: the rows are made when the write is subscribed. */
    private static Mono<Long> copyAndMerge(
            PostgresqlConnection connection, Supplier<ByteBuf> rows, String stage, String merge) {
        return Mono.defer(
                        () -> connection.copyIn("COPY " + stage + " FROM STDIN (FORMAT binary)", Flux.just(rows.get())))
                .then(Transactions.update(connection, merge));
    }

    /** The rows in PostgreSQL's binary copy format, each field in its type's binary form. */
    private static Supplier<ByteBuf> typedRows(int size, long value) {
        return () -> {
            ByteBuf buffer = header(size * 60);
            for (int i = 0; i < size; i++) {
                buffer.writeShort(4);
                text(buffer, account(i));
                buffer.writeInt(8).writeLong(value * 100 + i);
                buffer.writeInt(8).writeLong(value);
                buffer.writeInt(8).writeLong(value * 1_000_000 + i);
            }
            return buffer.writeShort(-1);
        };
    }

    /** The rows in PostgreSQL's binary copy format, every field as text (a text column's binary form is its UTF-8). */
    private static Supplier<ByteBuf> textRows(int size, long value) {
        return () -> {
            ByteBuf buffer = header(size * 60);
            for (int i = 0; i < size; i++) {
                buffer.writeShort(4);
                text(buffer, account(i));
                text(buffer, Long.toString(value * 100 + i));
                text(buffer, Long.toString(value));
                text(buffer, Long.toString(value * 1_000_000 + i));
            }
            return buffer.writeShort(-1);
        };
    }

    /** The signature, the flags and the (empty) header extension. */
    private static ByteBuf header(int capacity) {
        return Unpooled.buffer(19 + capacity).writeBytes(SIGNATURE).writeInt(0).writeInt(0);
    }

    private static void text(ByteBuf buffer, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        buffer.writeInt(bytes.length).writeBytes(bytes);
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
