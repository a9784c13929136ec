package io.onceflow.benchmarks.e2e;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.benchmarks.BenchmarkOptions;
import io.onceflow.benchmarks.e2e.TimedLedger.Balance;
import io.onceflow.benchmarks.e2e.TimedLedger.Payment;
import io.onceflow.core.Onceflow;
import io.onceflow.core.OnceflowMeters;
import io.onceflow.core.Pipeline;
import io.onceflow.core.RestartPolicy;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.kafka.KafkaSourceOptions;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.onceflow.testinfra.ChildProcesses;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.ConnectionFactories;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.Map;

/**
 * The processor {@link StalledSinkBenchmark} starts under {@code -Xmx256m}: the ledger job from Kafka into PostgreSQL,
 * the R2DBC sink as commit point, with a checkpoint timeout longer than the stall, so that the stalled commit waits
 * instead of failing. Every second it prints {@code STATUS <heap used> <heap used after the last GC> <heap max>
 * <records buffered in the sink> <source lag> <records read>}. Arguments: {@code --bootstrap servers --input topic
 * --r2dbc url --interval-ms 1000 --max-buffered 100000 --checkpoint-timeout-s 600}.
 */
public final class StalledSinkProcessor {

    private StalledSinkProcessor() {}

    public static void main(String[] args) throws InterruptedException {
        ChildProcesses.haltWhenParentDies();
        TimedLedger.quietLogging();
        Map<String, String> options = BenchmarkOptions.parse(args);
        ConnectionPool database =
                new ConnectionPool(ConnectionPoolConfiguration.builder(ConnectionFactories.get(options.get("r2dbc")))
                        .initialSize(0)
                        .maxSize(4)
                        .build());
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Pipeline pipeline = Onceflow.pipeline("stalled")
                .checkpointEvery(Duration.ofMillis(Long.parseLong(options.getOrDefault("interval-ms", "1000"))))
                .checkpointTimeout(
                        Duration.ofSeconds(Long.parseLong(options.getOrDefault("checkpoint-timeout-s", "600"))))
                .meterRegistry(meters)
                .restartPolicy(RestartPolicy.defaults()
                        .withMaxAttempts(Long.MAX_VALUE)
                        .withBackoff(Duration.ofMillis(200), Duration.ofSeconds(3)))
                .from(KafkaSource.create(KafkaSourceOptions.builder()
                        .bootstrapServers(options.get("bootstrap"))
                        .topic(options.get("input"))
                        .valueFormat(TimedLedger.PAYMENTS)
                        .build()))
                .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                .to(R2dbcUpsertSink.create(R2dbcSinkOptions.<Balance>builder()
                        .connectionFactory(database)
                        .table("balances")
                        .key("account")
                        .columns(Balance::row)
                        .commitPoint()
                        .lastWriteWins()
                        .maxBufferedRecords(Integer.parseInt(options.getOrDefault("max-buffered", "100000")))
                        .build()));
        pipeline.run()
                .subscribe(
                        event -> {
                            if (event.failed()) {
                                System.out.println("FAILED " + event.checkpointId() + " " + event.error());
                            }
                        },
                        error -> System.out.println("STOPPED " + error));
        while (true) {
            Thread.sleep(1000);
            var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
            long afterGc = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
                    afterGc += pool.getCollectionUsage().getUsed();
                }
            }
            double buffered = meters.find(OnceflowMeters.SINK_BUFFERED).gauges().stream()
                    .mapToDouble(Gauge::value)
                    .sum();
            double lag = meters.find(OnceflowMeters.SOURCE_LAG).gauges().stream()
                    .mapToDouble(Gauge::value)
                    .filter(Double::isFinite)
                    .sum();
            double in = meters.find(OnceflowMeters.RECORDS_IN).counters().stream()
                    .mapToDouble(c -> c.count())
                    .sum();
            System.out.printf(
                    "STATUS %d %d %d %.0f %.0f %.0f%n", heap.getUsed(), afterGc, heap.getMax(), buffered, lag, in);
        }
    }
}
