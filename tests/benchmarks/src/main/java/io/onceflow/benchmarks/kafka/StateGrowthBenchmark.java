package io.onceflow.benchmarks.kafka;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.benchmarks.BenchmarkOptions;
import io.onceflow.benchmarks.kafka.AccountLedger.Balance;
import io.onceflow.benchmarks.kafka.AccountLedger.Payment;
import io.onceflow.benchmarks.r2dbc.BenchDatabase;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Onceflow;
import io.onceflow.core.Pipeline;
import io.onceflow.core.ProtocolPoint;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.Sink;
import io.onceflow.kafka.Json;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSinkOptions;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.kafka.KafkaSourceOptions;
import io.onceflow.kafka.KafkaTransactionalSink;
import io.onceflow.sinks.r2dbc.R2dbcSinkMode;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import reactor.core.Disposable;

/**
 * How keyed state scales: for each key count and each durable commit point (the Kafka changelog, the PostgreSQL state
 * table), the keyed ledger job (Kafka source, one payment per account) loads {@code keys} accounts, and the benchmark
 * measures
 *
 * <ul>
 *   <li>the live heap per key while the run holds the state (after full collections, against the heap before it);
 *   <li>the checkpoint time while loading (every key changes: the encoding and writing of the changed keys), and then
 *       with the state in place and 20,000 payments to random accounts (few keys change: what a checkpoint costs at
 *       that size in steady state);
 *   <li>after the run is killed (its subscription cancelled: no final checkpoint), the time a new run takes from its
 *       start to the end of its restore ({@code DURING_RESTORE}), and the live heap it holds then, which shows the
 *       whole state came back (and, before it, the heap the killed run left behind, which should be none).
 * </ul>
 *
 * <pre>
 * java -Xmx16g -cp benchmarks.jar io.onceflow.benchmarks.kafka.StateGrowthBenchmark \
 *     [--keys 100000,1000000,5000000] [--commit-points kafka,postgres] [--partitions 4] \
 *     [--postgres jdbc:postgresql://127.0.0.1:5432/postgres] [--user postgres] [--password ""]
 * </pre>
 */
public final class StateGrowthBenchmark {

    private static final int STEADY_PAYMENTS = 20_000;

    private StateGrowthBenchmark() {}

    /** One measured case. */
    record Figures(
            String commitPoint,
            int keys,
            double loadSeconds,
            long heapPerKeyBytes,
            double loadCheckpointMeanMs,
            double loadCheckpointMaxMs,
            double steadyCheckpointMeanMs,
            double restoreSeconds,
            long heapAfterKillPerKeyBytes,
            long heapAfterRestorePerKeyBytes) {}

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
        System.setProperty("org.slf4j.simpleLogger.log.kafka", "error");
        Map<String, String> options = BenchmarkOptions.parse(args);
        int[] keyCounts = Arrays.stream(
                        options.getOrDefault("keys", "100000,1000000,5000000").split(","))
                .mapToInt(Integer::parseInt)
                .toArray();
        List<String> commitPoints =
                List.of(options.getOrDefault("commit-points", "kafka,postgres").split(","));
        int partitions = Integer.parseInt(options.getOrDefault("partitions", "4"));
        String postgres = options.getOrDefault("postgres", "jdbc:postgresql://127.0.0.1:5432/postgres");
        List<Figures> results = new ArrayList<>();
        try (KafkaBroker broker = KafkaBroker.start(BrokerMode.IN_PROCESS);
                BenchDatabase db = commitPoints.contains("postgres")
                        ? new BenchDatabase(
                                postgres,
                                options.getOrDefault("user", "postgres"),
                                options.getOrDefault("password", ""))
                        : null) {
            int run = 0;
            for (String commitPoint : commitPoints) {
                for (int keys : keyCounts) {
                    run++;
                    if (db != null) {
                        db.reset();
                    }
                    Figures figures =
                            new Case(broker.bootstrapServers(), db, commitPoint, keys, partitions, run).measure();
                    results.add(figures);
                    System.out.println(figures);
                }
            }
        }
        System.out.println();
        System.out.println("| commit point | keys | load s | heap per key | checkpoint while loading, mean / max ms"
                + " | checkpoint in steady state, mean ms | heap per key held after the kill | restore after a kill s"
                + " | heap per key after restore |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Figures f : results) {
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %,d | %.1f | %,d B | %.0f / %.0f | %.0f | %,d B | %.2f | %,d B |%n",
                    f.commitPoint(),
                    f.keys(),
                    f.loadSeconds(),
                    f.heapPerKeyBytes(),
                    f.loadCheckpointMeanMs(),
                    f.loadCheckpointMaxMs(),
                    f.steadyCheckpointMeanMs(),
                    f.heapAfterKillPerKeyBytes(),
                    f.restoreSeconds(),
                    f.heapAfterRestorePerKeyBytes());
        }
    }

    /** One commit point at one key count, on topics and a pipeline name of its own. */
    private static final class Case {
        private final String bootstrap;
        private final BenchDatabase db;
        private final String commitPoint;
        private final int keys;
        private final int partitions;
        private final String input;
        private final String output;
        private final String name;

        Case(String bootstrap, BenchDatabase db, String commitPoint, int keys, int partitions, int run) {
            this.bootstrap = bootstrap;
            this.db = db;
            this.commitPoint = commitPoint;
            this.keys = keys;
            this.partitions = partitions;
            this.name = "growth" + run;
            this.input = name + "-payments";
            this.output = name + "-balances";
        }

        Figures measure() throws Exception {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(
                                new NewTopic(input, partitions, (short) 1),
                                new NewTopic(output, partitions, (short) 1)))
                        .all()
                        .get(60, TimeUnit.SECONDS);
            }
            AccountLedger.produce(bootstrap, input, keys, i -> i);
            long heapBefore = liveHeap();

            // load: every key changes
            List<CheckpointEvent> loadEvents = new CopyOnWriteArrayList<>();
            AtomicLong committed = new AtomicLong();
            CompletableFuture<Void> loaded = new CompletableFuture<>();
            CompletableFuture<Void> steady = new CompletableFuture<>();
            List<CheckpointEvent> steadyEvents = new CopyOnWriteArrayList<>();
            long loadStart = System.nanoTime();
            Disposable running = pipeline(new CompletableFuture<>()).run().subscribe(event -> {
                if (!event.completed() || event.records() == 0) {
                    return;
                }
                long total = committed.addAndGet(event.records());
                if (!loaded.isDone()) {
                    loadEvents.add(event);
                    if (total >= keys) {
                        loaded.complete(null);
                    }
                } else {
                    steadyEvents.add(event);
                    if (total >= (long) keys + STEADY_PAYMENTS) {
                        steady.complete(null);
                    }
                }
            });
            loaded.orTimeout(60, TimeUnit.MINUTES).join();
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            long heapLoaded = liveHeap();

            // steady state: a few keys change per checkpoint
            Random random = new Random(keys);
            AccountLedger.produce(bootstrap, input, STEADY_PAYMENTS, i -> random.nextInt(keys));
            steady.orTimeout(30, TimeUnit.MINUTES).join();

            // kill: the subscription is cancelled, no final checkpoint
            running.dispose();
            // the killed run's clients close on their own threads: its state is garbage once they have, which takes
            // a moment; a state still held after a minute is a leak, and the figure says so
            long heapKilled = liveHeap();
            long released = heapBefore + (heapLoaded - heapBefore) / 5;
            for (int second = 0; second < 60 && heapKilled > released; second++) {
                Thread.sleep(1_000);
                heapKilled = liveHeap();
            }

            CompletableFuture<Void> restored = new CompletableFuture<>();
            long restoreStart = System.nanoTime();
            Pipeline restarted = pipeline(restored);
            Disposable again = restarted.run().subscribe(event -> {});
            restored.orTimeout(60, TimeUnit.MINUTES).join();
            double restoreSeconds = (System.nanoTime() - restoreStart) / 1e9;
            long heapRestored = liveHeap();
            restarted.stop().block(Duration.ofMinutes(5));
            again.dispose();

            return new Figures(
                    commitPoint,
                    keys,
                    loadSeconds,
                    (heapLoaded - heapBefore) / keys,
                    meanMillis(loadEvents),
                    maxMillis(loadEvents),
                    meanMillis(steadyEvents),
                    restoreSeconds,
                    (heapKilled - heapBefore) / keys,
                    (heapRestored - heapBefore) / keys);
        }

        private Pipeline pipeline(CompletableFuture<Void> restored) {
            KafkaSource<Payment> payments = KafkaSource.create(KafkaSourceOptions.<Payment>builder()
                    .bootstrapServers(bootstrap)
                    .topic(input)
                    .valueFormat(Json.of(Payment.class))
                    .assignTimeout(Duration.ofMinutes(10))
                    .consumerProperty("max.poll.interval.ms", 1_800_000)
                    .build());
            Sink<Balance> sink = commitPoint.equals("kafka")
                    ? KafkaTransactionalSink.create(
                            payments,
                            KafkaSinkOptions.builder()
                                    .maxBufferedRecords(500_000)
                                    .transactionTimeout(Duration.ofMinutes(2))
                                    .build(),
                            balance -> KafkaRecord.of(output, balance.account(), balance))
                    : R2dbcUpsertSink.create(R2dbcSinkOptions.<Balance>builder()
                            .connectionFactory(db.pool())
                            .table("balances")
                            .key("account")
                            .columns(Balance::row)
                            .mode(R2dbcSinkMode.COMMIT_POINT)
                            .lastWriteWins()
                            .build());
            return Onceflow.pipeline(name)
                    .checkpointEvery(Duration.ofSeconds(1))
                    .checkpointTimeout(Duration.ofMinutes(10))
                    .meterRegistry(new SimpleMeterRegistry())
                    .restartPolicy(RestartPolicy.never())
                    .protocolListener((point, checkpointId) -> {
                        if (point == ProtocolPoint.DURING_RESTORE) {
                            restored.complete(null);
                        }
                    })
                    .from(payments)
                    .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                    .to(sink);
        }
    }

    private static double meanMillis(List<CheckpointEvent> events) {
        return events.stream()
                .mapToLong(event -> event.duration().toMillis())
                .average()
                .orElse(Double.NaN);
    }

    private static double maxMillis(List<CheckpointEvent> events) {
        return events.stream()
                .mapToLong(event -> event.duration().toMillis())
                .max()
                .orElse(0);
    }

    /** The heap that is live: used after full collections (System.gc() is one with G1, the JVM's default). */
    private static long liveHeap() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            memory.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
