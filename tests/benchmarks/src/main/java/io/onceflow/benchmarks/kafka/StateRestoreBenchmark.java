package io.onceflow.benchmarks.kafka;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.benchmarks.BenchmarkOptions;
import io.onceflow.benchmarks.kafka.AccountLedger.Balance;
import io.onceflow.benchmarks.kafka.AccountLedger.Payment;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Onceflow;
import io.onceflow.core.Pipeline;
import io.onceflow.core.ProtocolPoint;
import io.onceflow.core.RestartPolicy;
import io.onceflow.kafka.Json;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSinkOptions;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.kafka.KafkaSourceOptions;
import io.onceflow.kafka.KafkaTransactionalSink;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import reactor.core.Disposable;

/**
 * How long a claim takes to restore a large keyed state from the Kafka changelog: {@code --keys} accounts, each paid
 * once, go through the keyed ledger job (Kafka to Kafka), which writes one changelog entry per account; the job is
 * stopped, and a new run claims the partitions. Measured: from the new run's start to the end of its restore (the
 * {@code DURING_RESTORE} protocol point, reached once the commit point has read the committed offsets and the whole
 * changelog), and the changelog's size.
 *
 * <pre>
 * java -Xmx4g -cp benchmarks.jar io.onceflow.benchmarks.kafka.StateRestoreBenchmark [--keys 1000000] [--partitions 4]
 * </pre>
 */
public final class StateRestoreBenchmark {

    private static final String INPUT = "restore-payments";
    private static final String OUTPUT = "restore-balances";
    private static final String PIPELINE = "restore";

    private StateRestoreBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = BenchmarkOptions.parse(args);
        int keys = Integer.parseInt(options.getOrDefault("keys", "1000000"));
        int partitions = Integer.parseInt(options.getOrDefault("partitions", "4"));
        try (KafkaBroker broker = KafkaBroker.start(BrokerMode.IN_PROCESS)) {
            String bootstrap = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(java.util.List.of(
                                new NewTopic(INPUT, partitions, (short) 1),
                                new NewTopic(OUTPUT, partitions, (short) 1)))
                        .all()
                        .get(60, TimeUnit.SECONDS);
            }
            AccountLedger.produce(bootstrap, INPUT, keys, i -> i);
            long loadStart = System.nanoTime();
            runUntil(bootstrap, keys);
            System.out.printf(
                    Locale.ROOT,
                    "loaded %,d keys into the changelog in %.1f s%n",
                    keys,
                    (System.nanoTime() - loadStart) / 1e9);
            for (int round = 1; round <= 3; round++) {
                long nanos = timeRestore(bootstrap);
                System.out.printf(
                        Locale.ROOT, "restore %d: %,d keys claimed and restored in %.2f s%n", round, keys, nanos / 1e9);
            }
        }
    }

    private static Pipeline pipeline(String bootstrap, CompletableFuture<Void> restored) {
        KafkaSource<Payment> payments = KafkaSource.create(KafkaSourceOptions.<Payment>builder()
                .bootstrapServers(bootstrap)
                .topic(INPUT)
                .valueFormat(Json.of(Payment.class))
                .assignTimeout(Duration.ofMinutes(5))
                .consumerProperty("max.poll.interval.ms", 600_000)
                .build());
        return Onceflow.pipeline(PIPELINE)
                .checkpointEvery(Duration.ofSeconds(1))
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.never())
                .protocolListener((point, checkpointId) -> {
                    if (point == ProtocolPoint.DURING_RESTORE) {
                        restored.complete(null);
                    }
                })
                .from(payments)
                .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                .to(KafkaTransactionalSink.create(
                        payments,
                        KafkaSinkOptions.builder().maxBufferedRecords(500_000).build(),
                        balance -> KafkaRecord.of(OUTPUT, balance.account(), balance)));
    }

    /** Runs the job until it has committed {@code records} records, then stops it gracefully. */
    private static void runUntil(String bootstrap, long records) {
        AtomicLong committed = new AtomicLong();
        CompletableFuture<Void> done = new CompletableFuture<>();
        Pipeline pipeline = pipeline(bootstrap, new CompletableFuture<>());
        Disposable running = pipeline.run().subscribe(event -> {
            if (event.completed() && committed.addAndGet(event.records()) >= records) {
                done.complete(null);
            }
        });
        done.orTimeout(30, TimeUnit.MINUTES).join();
        pipeline.stop().block(Duration.ofMinutes(2));
        running.dispose();
    }

    /** Starts a new run and returns the nanoseconds from its start to the end of its restore. */
    private static long timeRestore(String bootstrap) {
        CompletableFuture<Void> restored = new CompletableFuture<>();
        Pipeline pipeline = pipeline(bootstrap, restored);
        long start = System.nanoTime();
        Disposable running = pipeline.run().subscribe((CheckpointEvent event) -> {});
        restored.orTimeout(30, TimeUnit.MINUTES).join();
        long nanos = System.nanoTime() - start;
        pipeline.stop().block(Duration.ofMinutes(2));
        running.dispose();
        return nanos;
    }
}
