package io.onceflow.benchmarks.e2e;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.benchmarks.e2e.TimedLedger.Balance;
import io.onceflow.benchmarks.e2e.TimedLedger.Payment;
import io.onceflow.benchmarks.r2dbc.BenchDatabase;
import io.onceflow.benchmarks.report.LatencySummary;
import io.onceflow.benchmarks.report.OpenLoopPacer;
import io.onceflow.benchmarks.report.PartResults;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Onceflow;
import io.onceflow.core.Pipeline;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.Sink;
import io.onceflow.core.SourcePartition;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSinkOptions;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.kafka.KafkaSourceOptions;
import io.onceflow.kafka.KafkaTransactionalSink;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import reactor.core.Disposable;

/**
 * End-to-end latency under open-loop load: payments produced on a schedule ({@link OpenLoopPacer}) to a topic, the
 * ledger job (Kafka source, keyed balance) into a sink, and the time from each payment's intended send time until its
 * output is visible, recorded in an HdrHistogram:
 *
 * <ul>
 *   <li>{@code --sink kafka}: the Kafka transactional sink; visible means returned by a {@code read_committed}
 *       consumer of the output topic (each balance carries its payment's send time);
 *   <li>{@code --sink postgres}: the R2DBC sink as commit point; visible means committed in PostgreSQL, taken from the
 *       checkpoint events (emitted after the commit) with the positions they committed: the producer sends to
 *       explicit partitions of a fresh topic, so the k-th payment sent to a partition has offset k.
 * </ul>
 *
 * <p>First the maximum: a closed-loop producer as fast as it can, for {@code --max-seconds}, and the output rate
 * measured over its second half, with producer, broker, job and consumer sharing the machine as in the load runs.
 * Then one run per load ({@code --loads 0.5,0.8} of that maximum) of {@code --seconds}, the first
 * {@code --warmup-seconds} of which are not recorded. Everything runs in this JVM, on one in-process broker.
 *
 * <pre>
 * java -cp benchmarks.jar io.onceflow.benchmarks.e2e.LatencyBenchmark --sink kafka --interval-ms 100 \
 *     [--loads 0.5,0.8] [--max-seconds 15] [--seconds 30] [--warmup-seconds 5] [--max-rate n] [--out file.json]
 * </pre>
 */
public final class LatencyBenchmark {

    private static final int PARTITIONS = 4;
    private static final int ACCOUNTS = 10_000;

    private final KafkaBroker broker;
    private final String sink;
    private final Duration interval;
    private final BenchDatabase database;
    private int runs;

    private LatencyBenchmark(KafkaBroker broker, String sink, Duration interval, BenchDatabase database) {
        this.broker = broker;
        this.sink = sink;
        this.interval = interval;
        this.database = database;
    }

    public static void main(String[] args) throws Exception {
        TimedLedger.quietLogging();
        Map<String, String> options = Options.parse(args);
        String sink = options.getOrDefault("sink", "kafka");
        Duration interval = Duration.ofMillis(Long.parseLong(options.getOrDefault("interval-ms", "100")));
        int maxSeconds = Integer.parseInt(options.getOrDefault("max-seconds", "15"));
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "30"));
        int warmup = Integer.parseInt(options.getOrDefault("warmup-seconds", "5"));
        double[] loads = Arrays.stream(options.getOrDefault("loads", "0.5,0.8").split(","))
                .mapToDouble(Double::parseDouble)
                .toArray();
        PartResults results = PartResults.empty()
                .put("sink", sink)
                .put("interval_ms", interval.toMillis())
                .put("seconds", seconds)
                .put("warmup_seconds", warmup);
        BenchDatabase database = sink.equals("postgres")
                ? new BenchDatabase("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "")
                : null;
        try (KafkaBroker broker = KafkaBroker.start(BrokerMode.IN_PROCESS)) {
            LatencyBenchmark benchmark = new LatencyBenchmark(broker, sink, interval, database);
            double max = options.containsKey("max-rate")
                    ? Double.parseDouble(options.get("max-rate"))
                    : benchmark.maximum(maxSeconds);
            System.out.printf(
                    Locale.ROOT,
                    "%s sink, %d ms checkpoints: maximum %,.0f records/s%n",
                    sink,
                    interval.toMillis(),
                    max);
            results.put("max_rate", max);
            for (double load : loads) {
                String key = "load" + Math.round(load * 100);
                Run run = benchmark.openLoop(load * max, seconds, warmup);
                System.out.printf(
                        Locale.ROOT,
                        "%s sink, %d ms checkpoints, %.0f%% load (%,.0f/s): p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms,"
                                + " max %.1f ms over %,d records; %,d of %,d sent seen%n",
                        sink,
                        interval.toMillis(),
                        load * 100,
                        load * max,
                        run.latency.p50Millis(),
                        run.latency.p99Millis(),
                        run.latency.p999Millis(),
                        run.latency.maxMillis(),
                        run.latency.count(),
                        run.seen,
                        run.sent);
                results.put(key + ".rate", load * max)
                        .put(key + ".sent", run.sent)
                        .put(key + ".seen", run.seen)
                        .putAll(run.latency.toMap(key));
            }
        } finally {
            if (database != null) {
                database.close();
            }
        }
        if (options.containsKey("out")) {
            results.write(Path.of(options.get("out")));
        }
        System.exit(0); // the broker leaves non-daemon threads behind
    }

    private record Run(long sent, long seen, LatencySummary latency) {}

    /** Where the outputs' visibility is observed: a read_committed consumer, or the checkpoint events. */
    private interface Observer extends AutoCloseable {
        /** Outputs seen so far. */
        long seen();

        @Override
        void close() throws Exception;
    }

    /** The maximum rate: a closed-loop producer, output counted over the second half of the run. */
    private double maximum(int seconds) throws Exception {
        AtomicLong seen = new AtomicLong();
        return withJob(null, seconds, 0, seen);
    }

    private Run openLoop(double rate, int seconds, int warmup) throws Exception {
        AtomicLong seen = new AtomicLong();
        Histogram histogram = LatencySummary.newMicrosHistogram();
        long sent = (long) withJob(new Load(rate, histogram), seconds, warmup, seen);
        return new Run(sent, seen.get(), LatencySummary.ofMicros(histogram));
    }

    /** An open-loop load and where its latencies go. */
    private record Load(double rate, Histogram histogram) {}

    /**
     * Runs the job on fresh topics while a producer sends, closed loop ({@code load} null: returns the output rate
     * over the second half) or open loop (returns the records sent, after waiting for their outputs).
     */
    private double withJob(Load load, int seconds, int warmup, AtomicLong seen) throws Exception {
        String name = "latency-" + sink + "-" + interval.toMillis() + "-" + (++runs);
        String input = name + "-payments";
        String output = name + "-balances";
        broker.createTopic(input, PARTITIONS);
        broker.createTopic(output, PARTITIONS);
        if (database != null) {
            database.reset();
        }
        long start = System.nanoTime() + Duration.ofSeconds(3).toNanos(); // the job joins its group meanwhile
        long recordFrom = start + Duration.ofSeconds(warmup).toNanos();
        Histogram histogram = load == null ? LatencySummary.newMicrosHistogram() : load.histogram();
        long[][] sentAt = new long[PARTITIONS][];
        int[] sentTo = new int[PARTITIONS];
        for (int p = 0; p < PARTITIONS; p++) {
            sentAt[p] = new long[1 << 16];
        }
        Pipeline pipeline = pipeline(name, input, output);
        List<CheckpointEvent> events = new ArrayList<>();
        Map<Integer, Long> committed = new LinkedHashMap<>();
        Disposable running = pipeline.run().subscribe(event -> {
            if (database == null || !event.completed()) {
                return;
            }
            long now = System.nanoTime();
            synchronized (sentAt) {
                for (Map.Entry<SourcePartition, Long> position :
                        event.positions().asMap().entrySet()) {
                    int partition = position.getKey().partition();
                    long from = committed.getOrDefault(partition, 0L);
                    for (long offset = from; offset < position.getValue(); offset++) {
                        long intended = sentAt[partition][(int) offset];
                        if (intended >= recordFrom) {
                            histogram.recordValue(Math.max(1, (now - intended) / 1000));
                        }
                    }
                    seen.addAndGet(Math.max(0, position.getValue() - from));
                    committed.put(partition, Math.max(from, position.getValue()));
                }
            }
        });
        Observer observer = database == null
                ? consume(output, recordFrom, histogram, seen)
                : new Observer() {
                    @Override
                    public long seen() {
                        return seen.get();
                    }

                    @Override
                    public void close() {}
                };
        long sent = 0;
        double rate;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of(
                        "bootstrap.servers", broker.bootstrapServers(),
                        "acks", "all",
                        "linger.ms", "5",
                        "batch.size", "65536"),
                new StringSerializer(),
                new ByteArraySerializer())) {
            LockSupport.parkNanos(Math.max(0, start - System.nanoTime()));
            OpenLoopPacer pacer = load == null ? null : new OpenLoopPacer(start, load.rate());
            long end = start + Duration.ofSeconds(seconds).toNanos();
            long half = start + Duration.ofSeconds(seconds).toNanos() / 2;
            long seenAtHalf = -1;
            while (true) {
                long now = System.nanoTime();
                if (now >= end) {
                    break;
                }
                if (seenAtHalf < 0 && now >= half) {
                    seenAtHalf = observer.seen();
                }
                long due = pacer == null ? sent + 256 : pacer.dueBy(now);
                for (; sent < due; sent++) {
                    long intended = pacer == null ? System.nanoTime() : pacer.intendedNanos(sent);
                    String account = TimedLedger.account(sent, ACCOUNTS);
                    int partition = TimedLedger.partition(account, PARTITIONS);
                    synchronized (sentAt) {
                        if (sentTo[partition] == sentAt[partition].length) {
                            sentAt[partition] = Arrays.copyOf(sentAt[partition], sentTo[partition] * 2);
                        }
                        sentAt[partition][sentTo[partition]++] = intended;
                    }
                    producer.send(new ProducerRecord<>(
                            input,
                            partition,
                            account,
                            TimedLedger.PAYMENTS.encode(
                                    new Payment(sent, account, TimedLedger.cents(sent), intended))));
                }
                if (pacer != null) {
                    LockSupport.parkNanos(Math.max(20_000, pacer.intendedNanos(sent) - System.nanoTime()));
                }
            }
            long endNanos = System.nanoTime();
            producer.flush();
            rate = (observer.seen() - Math.max(0, seenAtHalf)) / ((endNanos - half) / 1e9);
            if (pacer != null) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (observer.seen() < sent && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            }
        } finally {
            observer.close();
            pipeline.stop().block(Duration.ofMinutes(1));
            running.dispose();
        }
        return load == null ? rate : sent;
    }

    private Pipeline pipeline(String name, String input, String output) {
        KafkaSource<Payment> source = KafkaSource.create(KafkaSourceOptions.builder()
                .bootstrapServers(broker.bootstrapServers())
                .topic(input)
                .valueFormat(TimedLedger.PAYMENTS)
                .build());
        Sink<Balance> out = database == null
                ? KafkaTransactionalSink.create(
                        KafkaSinkOptions.builder()
                                .bootstrapServers(broker.bootstrapServers())
                                .valueFormat(TimedLedger.BALANCES)
                                .build(),
                        balance -> KafkaRecord.of(output, balance.account(), balance))
                : R2dbcUpsertSink.create(R2dbcSinkOptions.<Balance>builder()
                        .connectionFactory(database.pool())
                        .table("balances")
                        .key("account")
                        .columns(Balance::row)
                        .commitPoint()
                        .lastWriteWins()
                        .build());
        return Onceflow.pipeline(name)
                .checkpointEvery(interval)
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.never())
                .from(source)
                .keyed(Payment::account, Balance::empty, Balance::apply)
                .to(out);
    }

    /** A read_committed consumer of the output on a thread of its own, recording each balance's latency. */
    private Observer consume(String topic, long recordFrom, Histogram histogram, AtomicLong seen) {
        AtomicBoolean stop = new AtomicBoolean();
        Thread thread = new Thread(
                () -> {
                    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                            Map.of(
                                    "bootstrap.servers", broker.bootstrapServers(),
                                    "isolation.level", "read_committed",
                                    "enable.auto.commit", "false",
                                    "max.poll.records", "5000"),
                            new ByteArrayDeserializer(),
                            new ByteArrayDeserializer())) {
                        List<TopicPartition> partitions = new ArrayList<>();
                        for (int p = 0; p < PARTITIONS; p++) {
                            partitions.add(new TopicPartition(topic, p));
                        }
                        consumer.assign(partitions);
                        consumer.seekToBeginning(partitions);
                        while (!stop.get()) {
                            var records = consumer.poll(Duration.ofMillis(50));
                            long now = System.nanoTime();
                            for (ConsumerRecord<byte[], byte[]> record : records) {
                                long intended = TimedLedger.sentNanos(record.value());
                                if (intended >= recordFrom) {
                                    histogram.recordValue(Math.max(1, (now - intended) / 1000));
                                }
                            }
                            seen.addAndGet(records.count());
                        }
                    }
                },
                "latency-consumer");
        thread.setDaemon(true);
        thread.start();
        return new Observer() {
            @Override
            public long seen() {
                return seen.get();
            }

            @Override
            public void close() throws Exception {
                stop.set(true);
                thread.join(10_000);
            }
        };
    }
}
