package io.onceflow.benchmarks.e2e;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.benchmarks.BenchmarkOptions;
import io.onceflow.benchmarks.e2e.TimedLedger.Balance;
import io.onceflow.benchmarks.e2e.TimedLedger.Payment;
import io.onceflow.benchmarks.r2dbc.BenchDatabase;
import io.onceflow.benchmarks.report.LatencySummary;
import io.onceflow.benchmarks.report.OpenLoopPacer;
import io.onceflow.benchmarks.report.PartResults;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
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
 *       explicit partitions of a fresh topic, so the k-th payment sent to a partition has offset k;
 *   <li>{@code --sink kafka-streams}: the baseline, the same job in Kafka Streams {@code exactly_once_v2} committing
 *       every {@code --interval-ms} ({@link StreamsLedgerJob}), seen by the same {@code read_committed} consumer. It
 *       has no checkpoint events, so it needs {@code --max-rate}: give it the Onceflow job's maximum, and both run at
 *       the same load.
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
 *     [--stream-rows true|false] [--last-write-wins true|false] [--sink-producer key=value,...] [--also sink]
 * </pre>
 *
 * <p>{@code --also kafka} runs the Onceflow Kafka job after each load of {@code --sink kafka-streams}, at the same
 * rate: the two at the Streams job's loads, and the Streams job at its own. Its figures go under {@code kafka.} in
 * the results.
 *
 * <p>Without {@code --stream-rows} the PostgreSQL commit point streams rows or not as the sink's default has it (not
 * with {@code lastWriteWins}); {@code --stream-rows true|false} sets it ({@code R2dbcSinkOptions.streamRows}): with
 * {@code --max-rate}, two runs compare the two at the same load. {@code --last-write-wins false} writes every balance, not the last of
 * each account in a checkpoint; by default the sink coalesces by the row's key, {@code lastWriteWins(Balance::account)}
 * (the row made for the newest balance of each account only), as its users are told to. {@code --sink-producer} sets
 * properties of the Kafka sink's producer ({@code KafkaSinkOptions.producerProperty}), e.g. {@code linger.ms=5}, to
 * compare a setting against the sink's default at the same load.
 */
public final class LatencyBenchmark {

    private static final int PARTITIONS = 4;
    private static final String STREAMS = "kafka-streams";
    private static final int ACCOUNTS = 10_000;

    private final KafkaBroker broker;
    private final String sink;
    private final Duration interval;
    private final BenchDatabase database;
    /** Whether the commit point streams rows; {@code null}: the sink's default (not with {@code lastWriteWins}). */
    private final @Nullable Boolean streamRows;

    private final boolean lastWriteWins;

    /** Properties of the Kafka sink's producer over the sink's defaults; empty: what a user gets. */
    private final Map<String, String> sinkProducer;

    private int runs;

    private LatencyBenchmark(
            KafkaBroker broker,
            String sink,
            Duration interval,
            BenchDatabase database,
            @Nullable Boolean streamRows,
            boolean lastWriteWins,
            Map<String, String> sinkProducer) {
        this.broker = broker;
        this.sink = sink;
        this.interval = interval;
        this.database = database;
        this.streamRows = streamRows;
        this.lastWriteWins = lastWriteWins;
        this.sinkProducer = sinkProducer;
    }

    public static void main(String[] args) throws Exception {
        TimedLedger.quietLogging();
        Map<String, String> options = BenchmarkOptions.parse(args);
        String sink = options.getOrDefault("sink", "kafka");
        // a second job run at each load of the first's maximum, right after it: two jobs at the same rate
        String also = options.get("also");
        Duration interval = Duration.ofMillis(Long.parseLong(options.getOrDefault("interval-ms", "100")));
        int maxSeconds = Integer.parseInt(options.getOrDefault("max-seconds", "15"));
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "30"));
        int warmup = Integer.parseInt(options.getOrDefault("warmup-seconds", "5"));
        double[] loads = Arrays.stream(options.getOrDefault("loads", "0.5,0.8").split(","))
                .mapToDouble(Double::parseDouble)
                .toArray();
        // absent: what a user gets, the sink's default; the report measures that
        Boolean streamRows = options.containsKey("stream-rows") ? Boolean.valueOf(options.get("stream-rows")) : null;
        boolean lastWriteWins = Boolean.parseBoolean(options.getOrDefault("last-write-wins", "true"));
        Map<String, String> sinkProducer = BenchmarkOptions.settings(options.getOrDefault("sink-producer", ""));
        PartResults results = PartResults.empty()
                .put("sink", sink)
                .put("stream_rows", streamRows == null ? "sink default" : String.valueOf(streamRows))
                .put("last_write_wins", String.valueOf(lastWriteWins))
                .put("sink_producer", sinkProducer.isEmpty() ? "sink default" : sinkProducer.toString())
                .put("interval_ms", interval.toMillis())
                .put("seconds", seconds)
                .put("warmup_seconds", warmup);
        if (also != null) {
            results.put("also", also);
        }
        BenchDatabase database = sink.equals("postgres") || "postgres".equals(also)
                ? new BenchDatabase("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "")
                : null;
        try (KafkaBroker broker = KafkaBroker.start(BrokerMode.IN_PROCESS)) {
            LatencyBenchmark benchmark = new LatencyBenchmark(
                    broker,
                    sink,
                    interval,
                    sink.equals("postgres") ? database : null,
                    streamRows,
                    lastWriteWins,
                    sinkProducer);
            LatencyBenchmark second = also == null
                    ? null
                    : new LatencyBenchmark(
                            broker,
                            also,
                            interval,
                            also.equals("postgres") ? database : null,
                            streamRows,
                            lastWriteWins,
                            sinkProducer);
            double max;
            if (options.containsKey("max-rate")) {
                max = Double.parseDouble(options.get("max-rate"));
            } else {
                LatencyRun maximum = benchmark.maximum(maxSeconds);
                max = maximum.committedRate();
                results.put("max_sent_rate", maximum.achievedRate())
                        .put("max_checkpoints", maximum.checkpointCount())
                        .putAll(
                                maximum.checkpointCount() > 0
                                        ? maximum.checkpoints().toMap("max.checkpoint")
                                        : Map.of());
            }
            System.out.printf(
                    Locale.ROOT,
                    "%s sink, %d ms checkpoints: maximum %,.0f records/s committed%n",
                    sink,
                    interval.toMillis(),
                    max);
            results.put("max_rate", max);
            for (double load : loads) {
                String key = "load" + Math.round(load * 100);
                LatencyRun run = benchmark.openLoop(load * max, seconds, warmup);
                System.out.println(run.summary(sink, interval, load, load * max));
                results.putAll(run.results(key, load * max));
                if (second != null) {
                    LatencyRun same = second.openLoop(load * max, seconds, warmup);
                    System.out.println(same.summary(also, interval, load, load * max));
                    results.putAll(same.results(also + "." + key, load * max));
                }
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

    /**
     * The maximum rate: a closed-loop producer; the rate is the records committed between the first and the last
     * checkpoint completed in the second half of the run, over the time between them (not the outputs a consumer
     * happened to see in a window, which the commit interval quantizes).
     */
    private LatencyRun maximum(int seconds) throws Exception {
        return withJob(null, seconds, 0);
    }

    private LatencyRun openLoop(double rate, int seconds, int warmup) throws Exception {
        return withJob(new Load(rate, LatencySummary.newMicrosHistogram()), seconds, warmup);
    }

    /** An open-loop load and where its latencies go. */
    private record Load(double rate, Histogram histogram) {}

    /** Records committed per partition, from the completed checkpoints' positions, and when. */
    private static final class Commits {
        final Map<Integer, Long> committed = new LinkedHashMap<>();
        final Histogram durations = LatencySummary.newMicrosHistogram();
        /** From a payment's intended send time to its checkpoint's marker (PostgreSQL sink only). */
        final Histogram toMarker = LatencySummary.newMicrosHistogram();

        long total;
        long firstInWindowNanos = -1;
        long firstInWindowTotal;
        long lastInWindowNanos = -1;
        long lastInWindowTotal;
        long inWindow;
    }

    /**
     * Runs the job on fresh topics while a producer sends, closed loop ({@code load} null) or open loop (then waits
     * for every output). Before the measured time, a few payments are sent and their outputs awaited, so that the
     * clock starts with the job's group joined and its first checkpoint committed.
     */
    private LatencyRun withJob(Load load, int seconds, int warmup) throws Exception {
        String name = "latency-" + sink + "-" + interval.toMillis() + "-" + (++runs);
        String input = name + "-payments";
        String output = name + "-balances";
        broker.createTopic(input, PARTITIONS);
        broker.createTopic(output, PARTITIONS);
        if (database != null) {
            database.reset();
        }
        AtomicLong seen = new AtomicLong();
        Histogram histogram = load == null ? LatencySummary.newMicrosHistogram() : load.histogram();
        long[][] sentAt = new long[PARTITIONS][];
        int[] sentTo = new int[PARTITIONS];
        for (int p = 0; p < PARTITIONS; p++) {
            sentAt[p] = new long[1 << 16];
        }
        // the window over which the run is measured; set once the job is ready
        long[] window = {Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE}; // record from, half, end
        Commits commits = new Commits();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        // the job under measurement: an Onceflow pipeline, or the Kafka Streams baseline
        @Nullable Pipeline pipeline = sink.equals(STREAMS) ? null : pipeline(name, input, output);
        @Nullable
        StreamsLedgerJob streams = pipeline != null
                ? null
                : StreamsLedgerJob.start(broker.bootstrapServers(), name, input, output, interval, failure);
        Disposable running = pipeline == null
                ? () -> {}
                : pipeline.run()
                        .subscribe(
                                event -> {
                                    if (!event.completed()) {
                                        return;
                                    }
                                    long now = System.nanoTime();
                                    synchronized (sentAt) {
                                        for (Map.Entry<SourcePartition, Long> position :
                                                event.positions().asMap().entrySet()) {
                                            int partition = position.getKey().partition();
                                            long from = commits.committed.getOrDefault(partition, 0L);
                                            if (database != null) {
                                                long markerAt =
                                                        now - event.duration().toNanos();
                                                for (long offset = from; offset < position.getValue(); offset++) {
                                                    long intended = sentAt[partition][(int) offset];
                                                    if (intended >= window[0]) {
                                                        histogram.recordValue(Math.max(1, (now - intended) / 1000));
                                                        commits.toMarker.recordValue(
                                                                Math.max(1, (markerAt - intended) / 1000));
                                                    }
                                                }
                                                seen.addAndGet(Math.max(0, position.getValue() - from));
                                            }
                                            commits.total += Math.max(0, position.getValue() - from);
                                            commits.committed.put(partition, Math.max(from, position.getValue()));
                                        }
                                        boolean measured = load == null ? now >= window[1] : now >= window[0];
                                        if (measured && now <= window[2]) {
                                            commits.inWindow++;
                                            commits.durations.recordValue(
                                                    Math.max(1, event.duration().toNanos() / 1000));
                                            if (commits.firstInWindowNanos < 0) {
                                                commits.firstInWindowNanos = now;
                                                commits.firstInWindowTotal = commits.total;
                                            }
                                            commits.lastInWindowNanos = now;
                                            commits.lastInWindowTotal = commits.total;
                                        }
                                    }
                                },
                                failure::set);
        OutputObserver observer = database == null
                ? CommittedOutputConsumer.start(broker.bootstrapServers(), output, PARTITIONS, window, histogram, seen)
                : new OutputObserver() {
                    @Override
                    public long seen() {
                        return seen.get();
                    }

                    @Override
                    public void close() {}
                };
        long sent = 0;
        long primed = 0;
        // outputs seen at the run's half and at its end: the maximum of a job without checkpoint events
        long[] seenAtHalf = {-1, 0};
        long[] seenAtEnd = {-1, 0};
        long start;
        long end;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of(
                        "bootstrap.servers", broker.bootstrapServers(),
                        "acks", "all",
                        "linger.ms", "5",
                        "batch.size", "65536"),
                new StringSerializer(),
                new ByteArraySerializer())) {
            // priming: the job joins its group, fences, restores, and commits a first checkpoint before the clock
            for (; sent < PRIMING; sent++) {
                send(producer, input, sent, System.nanoTime(), sentAt, sentTo);
            }
            producer.flush();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (observer.seen() < PRIMING && failure.get() == null && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            check(failure, observer.seen() >= PRIMING, name + ": the priming payments' outputs never arrived");
            primed = sent;
            start = System.nanoTime();
            end = start + Duration.ofSeconds(seconds).toNanos();
            synchronized (sentAt) {
                synchronized (window) {
                    window[0] = start + Duration.ofSeconds(warmup).toNanos();
                    window[1] = start + Duration.ofSeconds(seconds).toNanos() / 2;
                    window[2] = end;
                }
            }
            OpenLoopPacer pacer = load == null ? null : new OpenLoopPacer(start, load.rate());
            while (failure.get() == null) {
                long now = System.nanoTime();
                if (seenAtHalf[0] < 0 && now >= window[1]) {
                    seenAtHalf[0] = observer.seen();
                    seenAtHalf[1] = now;
                }
                if (now >= end) {
                    seenAtEnd[0] = observer.seen();
                    seenAtEnd[1] = now;
                    break;
                }
                long due = pacer == null ? sent + 256 : primed + pacer.dueBy(now);
                for (; sent < due; sent++) {
                    long intended = pacer == null ? System.nanoTime() : pacer.intendedNanos(sent - primed);
                    send(producer, input, sent, intended, sentAt, sentTo);
                }
                if (pacer != null) {
                    LockSupport.parkNanos(Math.max(20_000, pacer.intendedNanos(sent - primed) - System.nanoTime()));
                }
            }
            end = System.nanoTime();
            producer.flush();
            if (pacer != null) {
                deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (observer.seen() < sent && failure.get() == null && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            } else {
                Thread.sleep(interval.toMillis() + 200); // the last checkpoint of the window
            }
            check(failure, true, name);
        } finally {
            observer.close();
            if (pipeline != null) {
                pipeline.stop()
                        .onErrorResume(e -> reactor.core.publisher.Mono.empty())
                        .block(Duration.ofMinutes(1));
            } else {
                streams.close();
            }
            running.dispose();
        }
        double achieved = (sent - primed) / ((end - start) / 1e9);
        double committedRate;
        synchronized (sentAt) {
            committedRate = pipeline == null
                    ? (seenAtEnd[0] - seenAtHalf[0]) / ((seenAtEnd[1] - seenAtHalf[1]) / 1e9)
                    : commits.lastInWindowNanos > commits.firstInWindowNanos
                            ? (commits.lastInWindowTotal - commits.firstInWindowTotal)
                                    / ((commits.lastInWindowNanos - commits.firstInWindowNanos) / 1e9)
                            : 0;
        }
        return new LatencyRun(
                sent - primed,
                observer.seen() - primed,
                achieved,
                committedRate,
                LatencySummary.ofMicros(histogram),
                LatencySummary.ofMicros(commits.durations),
                LatencySummary.ofMicros(commits.toMarker),
                commits.inWindow);
    }

    private static final int PRIMING = 200;

    private static void check(AtomicReference<Throwable> failure, boolean ok, String what) {
        Throwable failed = failure.get();
        if (failed != null) {
            throw new IllegalStateException(what + ": the pipeline failed: " + failed, failed);
        }
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }

    private static void send(
            KafkaProducer<String, byte[]> producer,
            String input,
            long id,
            long intended,
            long[][] sentAt,
            int[] sentTo) {
        String account = TimedLedger.account(id, ACCOUNTS);
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
                TimedLedger.PAYMENTS.encode(new Payment(id, account, TimedLedger.cents(id), intended))));
    }

    private Pipeline pipeline(String name, String input, String output) {
        KafkaSource<Payment> source = KafkaSource.create(KafkaSourceOptions.builder()
                .bootstrapServers(broker.bootstrapServers())
                .topic(input)
                .valueFormat(TimedLedger.PAYMENTS)
                .build());
        Sink<Balance> out = database == null
                ? KafkaTransactionalSink.create(
                        source,
                        KafkaSinkOptions.builder()
                                .valueFormat(TimedLedger.BALANCES)
                                .producerProperties(sinkProducer)
                                .build(),
                        balance -> KafkaRecord.of(output, balance.account(), balance))
                : R2dbcUpsertSink.create(postgresOptions(database));
        return Onceflow.pipeline(name)
                .checkpointEvery(interval)
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.never())
                .from(source)
                .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                .to(out);
    }

    private R2dbcSinkOptions<Balance> postgresOptions(BenchDatabase database) {
        R2dbcSinkOptions.Builder<Balance> options = R2dbcSinkOptions.<Balance>builder()
                .connectionFactory(database.pool())
                .table("balances")
                .key("account")
                .columns(Balance::row)
                .commitPoint();
        if (lastWriteWins) {
            options.lastWriteWins(Balance::account);
        }
        if (streamRows != null) {
            options.streamRows(streamRows);
        }
        return options.build();
    }
}
