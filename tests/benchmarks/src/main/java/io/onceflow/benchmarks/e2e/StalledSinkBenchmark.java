package io.onceflow.benchmarks.e2e;

import io.onceflow.benchmarks.BenchmarkOptions;
import io.onceflow.benchmarks.e2e.TimedLedger.Payment;
import io.onceflow.benchmarks.r2dbc.BenchDatabase;
import io.onceflow.benchmarks.report.OpenLoopPacer;
import io.onceflow.benchmarks.report.PartResults;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.ChildProcesses;
import io.onceflow.testinfra.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Bounded memory under a stalled sink: the Kafka to PostgreSQL ledger job ({@link StalledSinkProcessor}) runs in a
 * child JVM with {@code -Xmx256m} under a steady input of {@code --rate} payments/s; after {@code --before-seconds}
 * a separate JDBC connection takes {@code LOCK TABLE balances IN ACCESS EXCLUSIVE MODE} and holds it for {@code
 * --stall-seconds}, so that the sink's commit waits. The processor's heap, its sink buffer gauge and its source lag
 * are sampled every second. After the lock is released and the input stops, every payment must be in the table
 * exactly once: the payments counted per account sum to the payments sent, and the balances to their amounts, by an
 * independent JDBC query.
 *
 * <pre>
 * java -cp benchmarks.jar io.onceflow.benchmarks.e2e.StalledSinkBenchmark [--rate 20000] [--before-seconds 20]
 *     [--stall-seconds 180] [--after-seconds 20] [--max-buffered 100000] [--out file]
 * </pre>
 */
public final class StalledSinkBenchmark {

    private static final int PARTITIONS = 4;
    private static final int ACCOUNTS = 10_000;
    private static final String INPUT = "stalled-payments";

    private StalledSinkBenchmark() {}

    /** One processor status line. */
    record Status(long heapUsed, long heapAfterGc, long heapMax, double buffered, double lag, double in) {
        static Status parse(String line) {
            String[] f = line.split(" ");
            return new Status(
                    Long.parseLong(f[1]),
                    Long.parseLong(f[2]),
                    Long.parseLong(f[3]),
                    Double.parseDouble(f[4]),
                    Double.parseDouble(f[5]),
                    Double.parseDouble(f[6]));
        }
    }

    public static void main(String[] args) throws Exception {
        TimedLedger.quietLogging();
        Map<String, String> options = BenchmarkOptions.parse(args);
        double rate = Double.parseDouble(options.getOrDefault("rate", "20000"));
        int before = Integer.parseInt(options.getOrDefault("before-seconds", "20"));
        int stall = Integer.parseInt(options.getOrDefault("stall-seconds", "180"));
        int after = Integer.parseInt(options.getOrDefault("after-seconds", "20"));
        String maxBuffered = options.getOrDefault("max-buffered", "100000");
        PartResults results = PartResults.empty()
                .put("rate", rate)
                .put("stall_s", stall)
                .put("xmx", "256m")
                .put("max_buffered", Long.parseLong(maxBuffered));
        try (BenchDatabase db = new BenchDatabase("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "");
                KafkaBroker broker = KafkaBroker.start(BrokerMode.IN_PROCESS)) {
            broker.createTopic(INPUT, PARTITIONS);
            Path log = Files.createTempFile("onceflow-stalled-processor-", ".log");
            Process processor = ChildJvm.start(
                    List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"),
                    StalledSinkProcessor.class,
                    List.of(
                            "--bootstrap",
                            broker.bootstrapServers(),
                            "--input",
                            INPUT,
                            "--r2dbc",
                            "r2dbc:postgresql://postgres@127.0.0.1:5432/" + db.name(),
                            "--max-buffered",
                            maxBuffered,
                            "--checkpoint-timeout-s",
                            String.valueOf(stall + 300)),
                    log);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong sent = new AtomicLong();
            Thread producer = new Thread(() -> produce(broker.bootstrapServers(), rate, stop, sent), "stall-producer");
            producer.start();
            try {
                Thread.sleep(before * 1000L);
                int linesBeforeStall = statuses(log).size();
                try (Connection locker = db.connect(false);
                        Statement statement = locker.createStatement()) {
                    locker.setAutoCommit(false);
                    statement.execute("LOCK TABLE balances IN ACCESS EXCLUSIVE MODE");
                    System.out.printf("balances locked for %d s%n", stall);
                    Thread.sleep(stall * 1000L);
                    locker.commit();
                }
                List<Status> during =
                        statuses(log).subList(linesBeforeStall, statuses(log).size());
                System.out.println("lock released");
                Thread.sleep(after * 1000L);
                stop.set(true);
                producer.join();
                long expected = sent.get();
                long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
                long[] check = check(db);
                while (check[1] < expected && System.nanoTime() < deadline) {
                    Thread.sleep(500);
                    check = check(db);
                }
                boolean alive = processor.isAlive();
                List<Status> all = statuses(log);
                double expectedCents = 0;
                for (long id = 0; id < expected; id++) {
                    expectedCents += TimedLedger.cents(id);
                }
                long expectedRows = Math.min(expected, ACCOUNTS);
                boolean exact = check[1] == expected && check[2] == (long) expectedCents && check[0] == expectedRows;
                double lagStart = during.isEmpty() ? 0 : during.get(0).lag();
                double lagEnd =
                        during.isEmpty() ? 0 : during.get(during.size() - 1).lag();
                String oom = Files.readString(log).contains("OutOfMemoryError") ? "yes" : "no";
                results.put("processor_alive", alive)
                        .put("out_of_memory", oom)
                        .put("heap_max_mib", all.isEmpty() ? 0 : all.get(0).heapMax() / 1048576.0)
                        .put(
                                "heap_used_peak_mib",
                                all.stream().mapToLong(Status::heapUsed).max().orElse(0) / 1048576.0)
                        .put(
                                "heap_after_gc_peak_mib",
                                all.stream()
                                                .mapToLong(Status::heapAfterGc)
                                                .max()
                                                .orElse(0)
                                        / 1048576.0)
                        .put(
                                "buffered_peak",
                                all.stream().mapToDouble(Status::buffered).max().orElse(0))
                        .put("lag_stall_start", lagStart)
                        .put("lag_stall_end", lagEnd)
                        .put(
                                "lag_peak",
                                all.stream().mapToDouble(Status::lag).max().orElse(0))
                        .put("sent", expected)
                        .put("table_payments", check[1])
                        .put("table_rows", check[0])
                        .put("table_cents", check[2])
                        .put("expected_cents", (long) expectedCents)
                        .put("exactly_once", exact);
                System.out.printf(
                        Locale.ROOT,
                        "heap peak %.0f MiB (after GC %.0f MiB) of %.0f MiB; sink buffer peak %.0f (bound %s);"
                                + " lag %.0f -> %.0f during the stall; %d sent, %d applied, %d rows, cents %s;"
                                + " exactly once: %s; alive: %s; OOM: %s%n",
                        results.num("heap_used_peak_mib"),
                        results.num("heap_after_gc_peak_mib"),
                        results.num("heap_max_mib"),
                        results.num("buffered_peak"),
                        maxBuffered,
                        lagStart,
                        lagEnd,
                        expected,
                        check[1],
                        check[0],
                        check[2] == (long) expectedCents ? "match" : "DIFFER",
                        exact,
                        alive,
                        oom);
            } finally {
                stop.set(true);
                ChildProcesses.kill(processor);
            }
        }
        if (options.containsKey("out")) {
            results.write(Path.of(options.get("out")));
        }
        System.exit(0);
    }

    private static List<Status> statuses(Path log) throws Exception {
        List<Status> statuses = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith("STATUS ")) {
                statuses.add(Status.parse(line));
            }
        }
        return statuses;
    }

    /** Rows, payments and cents in {@code balances}. */
    private static long[] check(BenchDatabase db) throws Exception {
        try (Connection connection = db.connect(false);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT count(*), coalesce(sum(payments), 0),"
                        + " coalesce(sum(balance_cents), 0) FROM balances")) {
            rows.next();
            return new long[] {rows.getLong(1), rows.getLong(2), rows.getLong(3)};
        }
    }

    private static void produce(String bootstrap, double rate, AtomicBoolean stop, AtomicLong sent) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", bootstrap, "acks", "all", "linger.ms", "5"),
                new StringSerializer(),
                new ByteArraySerializer())) {
            OpenLoopPacer pacer = new OpenLoopPacer(System.nanoTime(), rate);
            long next = 0;
            while (!stop.get()) {
                long due = pacer.dueBy(System.nanoTime());
                for (; next < due; next++) {
                    String account = TimedLedger.account(next, ACCOUNTS);
                    producer.send(new ProducerRecord<>(
                            INPUT,
                            TimedLedger.partition(account, PARTITIONS),
                            account,
                            TimedLedger.PAYMENTS.encode(
                                    new Payment(next, account, TimedLedger.cents(next), pacer.intendedNanos(next)))));
                }
                LockSupport.parkNanos(Math.max(100_000, pacer.intendedNanos(next) - System.nanoTime()));
            }
            producer.flush();
            sent.set(next);
        }
    }
}
