package io.onceflow.benchmarks.e2e;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.benchmarks.BenchmarkOptions;
import io.onceflow.benchmarks.e2e.TimedLedger.Balance;
import io.onceflow.benchmarks.e2e.TimedLedger.Payment;
import io.onceflow.core.Onceflow;
import io.onceflow.core.Pipeline;
import io.onceflow.core.RestartPolicy;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSinkOptions;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.kafka.KafkaSourceOptions;
import io.onceflow.kafka.KafkaTransactionalSink;
import io.onceflow.testinfra.ChildProcesses;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.LocalTime;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The processor {@link RecoveryBenchmark} kills and restarts: the ledger job from Kafka to Kafka, exactly once, in a
 * JVM of its own, written against Onceflow's public API only. Arguments: {@code --bootstrap servers --input topic
 * --output topic --interval-ms 100 --membership static|dynamic}. With static membership (the source's default, {@code group.instance.id})
 * a restarted instance takes its partitions back at once; with dynamic membership only after its predecessor's
 * session (6 s) expires.
 */
public final class RecoveryProcessor {

    static final String PIPELINE = "recovery";

    private RecoveryProcessor() {}

    public static void main(String[] args) throws InterruptedException {
        System.out.println("MAIN " + LocalTime.now() + " (JVM up "
                + ManagementFactory.getRuntimeMXBean().getUptime() + " ms)");
        ChildProcesses.haltWhenParentDies();
        TimedLedger.quietLogging();
        Map<String, String> options = BenchmarkOptions.parse(args);
        String bootstrap = options.get("bootstrap");
        String output = options.get("output");
        KafkaSourceOptions.Builder<Payment> source = KafkaSourceOptions.builder()
                .bootstrapServers(bootstrap)
                .topic(options.get("input"))
                .valueFormat(TimedLedger.PAYMENTS)
                .consumerProperty("session.timeout.ms", 6_000)
                .consumerProperty("heartbeat.interval.ms", 1_000);
        // static membership is the source's default (group.instance.id recovery-1-kafka); dynamic is asked for
        source = source.staticMembership(
                options.getOrDefault("membership", "static").equals("static"));
        KafkaSource<Payment> payments = KafkaSource.create(source.build());
        Pipeline pipeline = Onceflow.pipeline(PIPELINE)
                .instanceId("1")
                .checkpointEvery(Duration.ofMillis(Long.parseLong(options.getOrDefault("interval-ms", "100"))))
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.defaults()
                        .withMaxAttempts(Long.MAX_VALUE)
                        .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)))
                .from(payments)
                .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                .to(KafkaTransactionalSink.create(
                        payments,
                        KafkaSinkOptions.builder()
                                .valueFormat(TimedLedger.BALANCES)
                                .build(),
                        balance -> KafkaRecord.of(output, balance.account(), balance)));
        System.out.println("STARTED " + ProcessHandle.current().pid() + " " + LocalTime.now());
        AtomicBoolean first = new AtomicBoolean();
        pipeline.run()
                .subscribe(
                        event -> {
                            if (first.compareAndSet(false, true)) {
                                System.out.println("FIRST CHECKPOINT " + event.checkpointId() + " " + LocalTime.now());
                            }
                            if (event.failed()) {
                                System.out.println("FAILED " + event.checkpointId() + " " + event.error());
                            }
                        },
                        error -> {
                            System.out.println("STOPPED " + error);
                            Runtime.getRuntime().halt(2);
                        });
        Thread.currentThread().join();
    }
}
