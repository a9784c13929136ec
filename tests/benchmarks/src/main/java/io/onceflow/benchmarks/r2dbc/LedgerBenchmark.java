package io.onceflow.benchmarks.r2dbc;

import io.onceflow.benchmarks.report.PartResults;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ledger benchmark of issue 4: the same payments, folded per account into running balances and written to
 * PostgreSQL, by
 *
 * <ol>
 *   <li>(a) Onceflow, exactly once: the R2DBC sink as commit point, checkpoints every 100 ms and every 1 s;
 *   <li>(b) Onceflow at least once: the same pipeline and upserts, with positions and state kept in memory instead
 *       of in the database's transaction;
 *   <li>(c) a hand-written JDBC loop, the practical limit: pgjdbc batches with {@code reWriteBatchedInserts}, the
 *       offsets in the same transaction.
 *   <li>(b') for reference, plain Reactor and R2DBC without Onceflow, at least once.
 * </ol>
 *
 * <p>All variants coalesce a key's rows within an interval (the sink with {@code lastWriteWins(Balance::account)}, a
 * row made for the newest balance of each account only; {@code -Dbench.ledger.rowKey=false} for
 * {@code lastWriteWins()}, a row made for every record), so they write the same rows; (a) also writes its keyed state. Each run starts from empty tables and is checked: one row per
 * account and every payment counted once. Variants alternate within each round, rounds are repeated, and the
 * median is reported, so that a noisy neighbour on the machine hurts every variant alike.
 *
 * <pre>
 * java -cp tests/benchmarks/target/benchmarks.jar io.onceflow.benchmarks.r2dbc.LedgerBenchmark \
 *     [--records 5000000] [--keys 10000] [--partitions 4] [--rounds 3] [--input memory|kafka] \
 *     [--variants a100,a1s,b,c,b2,b100] [--out results.json] \
 *     [--postgres jdbc:postgresql://127.0.0.1:5432/postgres] [--user postgres] [--password '']
 * </pre>
 *
 * <p>{@code --input kafka} reads the payments from a topic on a KRaft broker started in this JVM (see
 * {@link KafkaInput}); the default, {@code --input memory}, from memory.
 */
public final class LedgerBenchmark {

    private LedgerBenchmark() {}

    public static void main(String[] args) throws Exception {
        // slf4j-simple reads a logger's level when the logger is created: before the broker starts
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
        System.setProperty("org.slf4j.simpleLogger.log.kafka", "error");
        Map<String, String> options = options(args);
        int records = Integer.parseInt(options.getOrDefault("records", "5000000"));
        int keys = Integer.parseInt(options.getOrDefault("keys", "10000"));
        int partitions = Integer.parseInt(options.getOrDefault("partitions", "4"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
        String inputKind = options.getOrDefault("input", "memory");

        KafkaBroker broker = inputKind.equals("kafka") ? KafkaBroker.start(BrokerMode.IN_PROCESS) : null;
        try (LedgerInput input = broker != null
                        ? new KafkaInput(broker, Ledger.generate(records, keys, partitions, 42))
                        : new MemoryInput(Ledger.generate(records, keys, partitions, 42));
                BenchDatabase db = new BenchDatabase(
                        options.getOrDefault("postgres", "jdbc:postgresql://127.0.0.1:5432/postgres"),
                        options.getOrDefault("user", "postgres"),
                        options.getOrDefault("password", ""))) {
            System.out.printf(
                    "input: %s, %d keys; database: %s (%s)%n", input.describe(), keys, db.server(), db.name());
            List<Variant> all = List.of(
                    new Variant(
                            "a100",
                            "(a) Onceflow exactly once, commit point, 100 ms",
                            () -> OnceflowLedger.exactlyOnce(input, db, Duration.ofMillis(100))),
                    new Variant(
                            "a1s",
                            "(a) Onceflow exactly once, commit point, 1 s",
                            () -> OnceflowLedger.exactlyOnce(input, db, Duration.ofSeconds(1))),
                    new Variant(
                            "b",
                            "(b) Onceflow at least once, upserts only, 1 s",
                            () -> OnceflowLedger.atLeastOnce(input, db, Duration.ofSeconds(1))),
                    new Variant(
                            "c",
                            "(c) JDBC loop, batched upserts + offsets in one transaction, 1 s",
                            () -> JdbcLedger.run(input, db, Duration.ofSeconds(1))),
                    new Variant(
                            "b2",
                            "(b') plain Reactor + R2DBC upserts, no Onceflow, 1 s",
                            () -> PlainR2dbcLedger.run(input, db, Duration.ofSeconds(1))),
                    // at 100 ms at-least-once writes a key's row once an interval too: (a) at 100 ms is compared to it
                    new Variant(
                            "b100",
                            "(b) Onceflow at least once, upserts only, 100 ms",
                            () -> OnceflowLedger.atLeastOnce(input, db, Duration.ofMillis(100))));
            // --variants a100,a1s,b,c: a subset, for profiling one of them; all of them by default, in this order
            List<String> chosen = options.containsKey("variants")
                    ? List.of(options.get("variants").split(","))
                    : all.stream().map(Variant::id).toList();
            List<Variant> variants = new ArrayList<>();
            for (Variant variant : all) {
                if (chosen.contains(variant.id())) {
                    variants.add(variant);
                }
            }

            // warm-up: one run of each, not reported
            for (Variant variant : variants) {
                measure(variant, db, input.records(), keys);
            }
            Map<String, List<Result>> results = new LinkedHashMap<>();
            for (int round = 0; round < rounds; round++) {
                for (Variant variant : variants) {
                    Result result = measure(variant, db, input.records(), keys);
                    results.computeIfAbsent(variant.name(), name -> new ArrayList<>())
                            .add(result);
                    System.out.printf(
                            "  round %d %-70s %,12.0f records/s steady, %,12.0f end to end (%d commits)%n",
                            round + 1,
                            variant.name(),
                            result.steadyRecordsPerSecond(),
                            result.recordsPerSecond(),
                            result.commits());
                }
            }
            report(results, variants);
            if (options.containsKey("out")) {
                results(results, variants, input, db, rounds).write(Path.of(options.get("out")));
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
        System.exit(0); // the broker leaves non-daemon threads behind
    }

    private static PartResults results(
            Map<String, List<Result>> results, List<Variant> variants, LedgerInput input, BenchDatabase db, int rounds)
            throws Exception {
        PartResults out = PartResults.empty()
                .put("input", input.describe())
                .put("records", input.records())
                .put("rounds", rounds)
                .put("server", db.server());
        for (Variant variant : variants) {
            double[] rates = rates(results.get(variant.name()));
            double[] endToEnd = results.get(variant.name()).stream()
                    .mapToDouble(Result::recordsPerSecond)
                    .sorted()
                    .toArray();
            out.put(variant.id() + ".label", variant.name())
                    .put(variant.id() + ".rate", rates[rates.length / 2])
                    .put(variant.id() + ".min", rates[0])
                    .put(variant.id() + ".max", rates[rates.length - 1])
                    .put(variant.id() + ".endToEnd", endToEnd[endToEnd.length / 2]);
        }
        return out;
    }

    /**
     * The runs' steady-state rates, sorted; a run with too few commits for one counts with its end-to-end rate
     * (only the fastest variants on small inputs: the report's ratios are between the others).
     */
    private static double[] rates(List<Result> runs) {
        return runs.stream()
                .mapToDouble(run -> Double.isNaN(run.steadyRecordsPerSecond())
                        ? run.recordsPerSecond()
                        : run.steadyRecordsPerSecond())
                .sorted()
                .toArray();
    }

    private record Variant(String id, String name, Run run) {}

    @FunctionalInterface
    private interface Run {
        Result run() throws Exception;
    }

    private static Result measure(Variant variant, BenchDatabase db, long records, int keys) throws Exception {
        db.reset();
        System.gc();
        Result result = variant.run().run();
        long[] check = db.check();
        if (result.records() != records || check[1] != records || check[0] != Math.min(keys, records)) {
            throw new IllegalStateException(variant.name() + ": expected " + records + " records over " + keys
                    + " keys, processed " + result.records() + ", table has " + check[0] + " rows and "
                    + check[1] + " payments");
        }
        return result;
    }

    private static void report(Map<String, List<Result>> results, List<Variant> variants) {
        if (variants.size() < 6) {
            return;
        }
        double[] medians = new double[variants.size()];
        System.out.println();
        System.out.println("| variant | steady records/s (median) | min | max |");
        System.out.println("|---|---:|---:|---:|");
        for (int i = 0; i < variants.size(); i++) {
            double[] rates = rates(results.get(variants.get(i).name()));
            medians[i] = rates[rates.length / 2];
            System.out.printf(
                    "| %s | %,.0f | %,.0f | %,.0f |%n",
                    variants.get(i).name(), medians[i], rates[0], rates[rates.length - 1]);
        }
        System.out.println();
        System.out.printf("a/b at 1 s:    %.2f (goal: at least 0.95)%n", medians[1] / medians[2]);
        System.out.printf("a/b at 100 ms: %.2f (goal: at least 0.85)%n", medians[0] / medians[5]);
        System.out.printf("a/c at 1 s:    %.2f (goal: at least 0.9)%n", medians[1] / medians[3]);
        System.out.printf("a/c at 100 ms: %.2f%n", medians[0] / medians[3]);
        System.out.printf("a/b' at 1 s:   %.2f (against plain Reactor, no Onceflow)%n", medians[1] / medians[4]);
        System.out.printf(
                "machine: %d cores, %d MiB max heap, Java %s%n",
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20,
                System.getProperty("java.version"));
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("arguments are --name value pairs, got " + Arrays.toString(args));
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        return options;
    }
}
