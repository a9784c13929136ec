package io.onceflow.benchmarks.kafka;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.benchmarks.report.PartResults;
import io.onceflow.core.Onceflow;
import io.onceflow.core.OnceflowMeters;
import io.onceflow.core.Pipeline;
import io.onceflow.core.PipelineBuilder;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.Sink;
import io.onceflow.kafka.DeliveryGuarantee;
import io.onceflow.kafka.Format;
import io.onceflow.kafka.Json;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSink;
import io.onceflow.kafka.KafkaSinkOptions;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.kafka.KafkaSourceOptions;
import io.onceflow.kafka.KafkaTransactionalSink;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import reactor.core.Disposable;

/**
 * One Kafka to Kafka ledger job (payments keyed by account through a keyed running balance, one balance out per
 * payment, 4 partitions) run on one broker as:
 *
 * <ul>
 *   <li>(a) Onceflow exactly-once: {@link KafkaSource} ─▶ keyed ─▶ {@link KafkaTransactionalSink}, one transaction per
 *       checkpoint (output, changelog, offsets), at 100 ms and at 1 s checkpoints;
 *   <li>(b) the same pipeline at-least-once: the same source and keyed operator into the library's at-least-once
 *       sink ({@link KafkaSink} with {@link DeliveryGuarantee#AT_LEAST_ONCE}: an idempotent producer with the same
 *       settings, records sent as they come, no transactions; at each checkpoint the keyed state's changes to the
 *       same changelog, every acknowledgement awaited, then the group offsets committed by the consumer), so that
 *       only the guarantee differs;
 *   <li>(c) Kafka Streams with {@code processing.guarantee=exactly_once_v2}: {@code groupByKey().aggregate()} into an
 *       in-memory store with its changelog, the record cache off (one output per input, like the others), one stream
 *       thread, {@code commit.interval.ms} 100 ms and 1 s, the same producer batching as (a) and (b).
 * </ul>
 *
 * <p>Each variant reads the same input from the beginning in a group of its own and writes a topic of its own; its
 * time runs from its start until its group has committed the end of every input partition. A short warm-up of each
 * engine comes first; the variants then run in turn, {@code rounds} times, and the median run of each is reported.
 * Arguments: {@code [--records 1000000] [--accounts 10000] [--warmup 200000]
 * [--rounds 3] [--broker in-process|child-process] [--out results.json] [--only eos-100ms,alo-100ms,eos-1s,alo-1s,streams-eos-100ms,streams-eos-1s]}.
 */
public final class KafkaLedgerBenchmark {

    /** A payment, with an id unique over the input. */
    public record Payment(long id, String account, long amountCents) {}

    /** An account's running balance, with the payment that made it. */
    public record Balance(String account, long cents, long payments, long lastPaymentId) {
        static Balance empty(String account) {
            return new Balance(account, 0, 0, -1);
        }

        Balance apply(Payment payment) {
            return new Balance(account, cents + payment.amountCents(), payments + 1, payment.id());
        }
    }

    static final Format<Payment> PAYMENTS = Json.of(Payment.class);
    static final Format<Balance> BALANCES = Json.of(Balance.class);
    private static final int PARTITIONS = 4;

    /**
     * Producer settings of both Onceflow variants' sinks: the transactional sink's defaults (batch.size 256 KiB,
     * linger.ms 50), given to the at-least-once producer too so that only the guarantee differs; change them with
     * {@code -Dproducer.<setting>=<value>}.
     */
    private static final Map<String, String> PRODUCER = producerSettings();

    private final String bootstrap;
    private final KafkaBroker broker;
    private final LedgerTopics topics;

    private KafkaLedgerBenchmark(KafkaBroker broker) {
        this.broker = broker;
        this.bootstrap = broker.bootstrapServers();
        this.topics = new LedgerTopics(broker, PARTITIONS);
    }

    public static void main(String[] args) throws Exception {
        quietLogging();
        Map<String, String> options = options(args);
        int records = Integer.parseInt(options.getOrDefault("records", "1000000"));
        int accounts = Integer.parseInt(options.getOrDefault("accounts", "10000"));
        int warmup = Integer.parseInt(options.getOrDefault("warmup", "200000"));
        BrokerMode mode = options.getOrDefault("broker", "in-process").equals("child-process")
                ? BrokerMode.CHILD_PROCESS
                : BrokerMode.IN_PROCESS;
        try (KafkaBroker broker = KafkaBroker.start(mode)) {
            List<String> only =
                    options.containsKey("only") ? List.of(options.get("only").split(",")) : List.of();
            int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
            PartResults results = new KafkaLedgerBenchmark(broker).run(records, accounts, warmup, rounds, only);
            if (options.containsKey("out")) {
                results.write(Path.of(options.get("out")));
            }
        }
        System.exit(0); // Kafka Streams and the broker leave non-daemon threads behind
    }

    private PartResults run(int records, int accounts, int warmup, int rounds, List<String> only) throws Exception {
        System.out.printf(
                "broker %s at %s; %d cores, %d MiB max heap, Java %s%n",
                broker.mode(),
                bootstrap,
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20,
                System.getProperty("java.version"));
        List<String> variants = new ArrayList<>(
                List.of("eos-100ms", "alo-100ms", "eos-1s", "alo-1s", "streams-eos-100ms", "streams-eos-1s"));
        if (!only.isEmpty()) {
            variants.retainAll(only);
        }
        if (warmup > 0) {
            // Warm up only what is measured: under a profiler (--only eos-100ms) the recording must hold no Kafka
            // Streams or at-least-once samples.
            topics.produce("warmup", warmup, accounts);
            if (variants.stream().anyMatch(v -> v.startsWith("eos-"))) {
                onceflow("warmup-eos", "warmup", Duration.ofMillis(100), true, warmup);
            }
            if (variants.stream().anyMatch(v -> v.startsWith("alo-"))) {
                onceflow("warmup-alo", "warmup", Duration.ofMillis(100), false, warmup);
            }
            if (variants.stream().anyMatch(v -> v.startsWith("streams-"))) {
                streams("warmup-streams", "warmup", Duration.ofMillis(100), warmup);
            }
            System.out.println("warm-up done (" + variants + ")");
        }
        double produced = topics.produce("payments", records, accounts);
        System.out.printf("produced %,d payments in %.1f s%n", records, produced);

        Map<String, List<Result>> runs = new LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++) {
            for (String variant : variants) {
                String name = variant + "-r" + round;
                Result result = switch (variant) {
                    case "eos-100ms" -> onceflow(name, "payments", Duration.ofMillis(100), true, records);
                    case "alo-100ms" -> onceflow(name, "payments", Duration.ofMillis(100), false, records);
                    case "eos-1s" -> onceflow(name, "payments", Duration.ofSeconds(1), true, records);
                    case "alo-1s" -> onceflow(name, "payments", Duration.ofSeconds(1), false, records);
                    case "streams-eos-100ms" -> streams(name, "payments", Duration.ofMillis(100), records);
                    case "streams-eos-1s" -> streams(name, "payments", Duration.ofSeconds(1), records);
                    default -> throw new IllegalArgumentException(variant);
                };
                runs.computeIfAbsent(variant, v -> new ArrayList<>()).add(result);
            }
        }
        System.out.println();
        for (int round = 0; round < rounds; round++) {
            int r = round;
            StringBuilder line = new StringBuilder("round " + (round + 1) + ":");
            ratio(runs, "eos-100ms", "alo-100ms", r).ifPresent(x -> line.append(String.format(" a/b 100 ms %.2f", x)));
            ratio(runs, "eos-1s", "alo-1s", r).ifPresent(x -> line.append(String.format(", a/b 1 s %.2f", x)));
            ratio(runs, "eos-100ms", "streams-eos-100ms", r)
                    .ifPresent(x -> line.append(String.format(", a/c 100 ms %.2f", x)));
            ratio(runs, "eos-1s", "streams-eos-1s", r).ifPresent(x -> line.append(String.format(", a/c 1 s %.2f", x)));
            System.out.println(line + " (steady state)");
        }
        Map<String, Result> by = new LinkedHashMap<>();
        runs.forEach((variant, measured) -> {
            List<Result> sorted = new ArrayList<>(measured);
            sorted.sort(java.util.Comparator.comparingDouble(Result::steady));
            by.put(variant, sorted.get(sorted.size() / 2));
        });
        System.out.println();
        System.out.printf(
                "| variant (%,d payments, %d partitions; median of %d runs) | steady records/s | end-to-end s |"
                        + " end-to-end records/s | output records |%n",
                records, PARTITIONS, rounds);
        System.out.println("|---|---:|---:|---:|---:|");
        by.values()
                .forEach(result -> System.out.printf(
                        "| %s | %,.0f | %.1f | %,.0f | %,d |%n",
                        result.label, result.steady, result.seconds, result.perSecond(), result.outputs));
        System.out.println();
        medianRatio(by, "eos-100ms", "alo-100ms")
                .ifPresent(x -> System.out.printf("a/b at 100 ms: %.2f (goal >= 0.90)%n", x));
        medianRatio(by, "eos-1s", "alo-1s").ifPresent(x -> System.out.printf("a/b at 1 s: %.2f (goal >= 0.95)%n", x));
        medianRatio(by, "eos-100ms", "streams-eos-100ms")
                .ifPresent(x -> System.out.printf("a/c at 100 ms: %.2f (goal >= 1.2)%n", x));
        medianRatio(by, "eos-1s", "streams-eos-1s")
                .ifPresent(x -> System.out.printf("a/c at 1 s: %.2f (goal >= 1.2)%n", x));
        System.out.println("(ratios of steady-state records/s, medians over the runs)");
        PartResults results = PartResults.empty()
                .put("records", records)
                .put("partitions", PARTITIONS)
                .put("rounds", rounds)
                .put("broker", broker.mode().toString());
        by.forEach((variant, result) -> results.put(variant + ".label", result.label)
                .put(variant + ".steady", result.steady)
                .put(variant + ".seconds", result.seconds)
                .put(variant + ".outputs", result.outputs));
        return results;
    }

    private static java.util.Optional<Double> ratio(Map<String, List<Result>> runs, String a, String b, int round) {
        if (!runs.containsKey(a) || !runs.containsKey(b)) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(runs.get(a).get(round).steady / runs.get(b).get(round).steady);
    }

    private static java.util.Optional<Double> medianRatio(Map<String, Result> by, String a, String b) {
        if (!by.containsKey(a) || !by.containsKey(b)) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(by.get(a).steady / by.get(b).steady);
    }

    /**
     * One measured run: end to end (from its start until its group committed the end of the input, startup and the
     * last checkpoint's wait included), and in steady state: the records its group committed between the first
     * commit past 10% of the input and the last commit before 90%, over the time between those commits, which
     * removes startup and the quantization of the end by the checkpoint interval.
     */
    private record Result(String name, String label, int records, double seconds, double steady, long outputs) {
        double perSecond() {
            return records / seconds;
        }
    }

    private Result onceflow(String name, String input, Duration interval, boolean exactlyOnce, int records)
            throws Exception {
        String output = name + "-balances";
        broker.createTopic(output, PARTITIONS);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        PipelineBuilder builder = Onceflow.pipeline(name)
                .checkpointEvery(interval)
                .meterRegistry(meters)
                .restartPolicy(RestartPolicy.never());
        KafkaSource<Payment> source = KafkaSource.create(KafkaSourceOptions.builder()
                .bootstrapServers(bootstrap)
                .topic(input)
                .valueFormat(PAYMENTS)
                .build());
        KafkaSinkOptions sinkOptions =
                KafkaSinkOptions.builder().producerProperties(PRODUCER).build();
        Sink<Balance> sink = exactlyOnce
                ? KafkaTransactionalSink.create(source, sinkOptions, b -> KafkaRecord.of(output, b.account(), b))
                : KafkaSink.create(
                        source,
                        sinkOptions.toBuilder()
                                .deliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                                .build(),
                        (Balance b) -> KafkaRecord.of(output, b.account(), b));
        Pipeline pipeline = builder.from(source)
                .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                .to(sink);
        System.gc();
        long start = System.nanoTime();
        Disposable running = pipeline.run().subscribe(event -> {}, error -> System.err.println(name + ": " + error));
        double seconds;
        double steady;
        try {
            steady = topics.awaitCaughtUp(name, input, records, Duration.ofMinutes(10));
            seconds = (System.nanoTime() - start) / 1e9;
            pipeline.stop().block(Duration.ofMinutes(1));
        } finally {
            running.dispose();
        }
        long outputs = topics.count(output, exactlyOnce);
        String label = (exactlyOnce ? "(a) Onceflow exactly-once, " : "(b) Onceflow at-least-once, ")
                + interval.toMillis() + " ms checkpoints";
        Result result = new Result(name, label, records, seconds, steady, outputs);
        System.out.printf(
                "%s: %,.0f records/s steady, %.1f s end to end, %,d outputs%s%n",
                label, steady, seconds, outputs, checkpointFigures(meters));
        return result;
    }

    private Result streams(String name, String input, Duration commitInterval, int records) throws Exception {
        String output = name + "-balances";
        broker.createTopic(output, PARTITIONS);
        Topology topology = StreamsSettings.ledger(
                input,
                output,
                name + "-store",
                PAYMENTS,
                BALANCES,
                () -> Balance.empty(""),
                (account, payment, balance) -> new Balance(
                                account, balance.cents(), balance.payments(), balance.lastPaymentId())
                        .apply(payment));
        Path stateDir = Files.createTempDirectory("onceflow-streams-");
        // the same batching as the Onceflow sinks
        Properties props = StreamsSettings.exactlyOnce(name, bootstrap, commitInterval, stateDir, PRODUCER);
        System.gc();
        long start = System.nanoTime();
        try (KafkaStreams streams = new KafkaStreams(topology, props)) {
            streams.start();
            double steady = topics.awaitCaughtUp(name, input, records, Duration.ofMinutes(10));
            double seconds = (System.nanoTime() - start) / 1e9;
            streams.close(Duration.ofMinutes(1));
            streams.cleanUp();
            StreamsSettings.deleteStateDir(stateDir);
            long outputs = topics.count(output, true);
            String label = "(c) Kafka Streams exactly_once_v2, " + commitInterval.toMillis() + " ms commits";
            Result result = new Result(name, label, records, seconds, steady, outputs);
            System.out.printf(
                    "%s: %,.0f records/s steady, %.1f s end to end, %,d outputs%n", label, steady, seconds, outputs);
            return result;
        }
    }

    /** Checkpoints completed, and the mean time from a marker to its commit and of the commit point's commit. */
    private static String checkpointFigures(SimpleMeterRegistry meters) {
        io.micrometer.core.instrument.Timer checkpoints = meters.find(OnceflowMeters.CHECKPOINT_DURATION)
                .tag(OnceflowMeters.TAG_OUTCOME, "completed")
                .timer();
        StringBuilder figures = new StringBuilder();
        if (checkpoints != null) {
            figures.append(String.format(
                    "; %d checkpoints, %.1f ms mean from marker to commit",
                    checkpoints.count(), checkpoints.mean(java.util.concurrent.TimeUnit.MILLISECONDS)));
        }
        meters.find(OnceflowMeters.COMMIT_DURATION)
                .tag(OnceflowMeters.TAG_OUTCOME, "completed")
                .timers()
                .forEach(timer -> figures.append(String.format(
                        ", %s %.1f ms mean",
                        timer.getId().getTag(OnceflowMeters.TAG_SINK),
                        timer.mean(java.util.concurrent.TimeUnit.MILLISECONDS))));
        return figures.toString();
    }

    private static Map<String, String> producerSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("batch.size", "262144");
        settings.put("linger.ms", "50");
        System.getProperties().stringPropertyNames().stream()
                .filter(name -> name.startsWith("producer."))
                .forEach(name -> settings.put(name.substring("producer.".length()), System.getProperty(name)));
        return settings;
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
            }
            options.put(args[i].substring(2).toLowerCase(Locale.ROOT), args[i + 1]);
        }
        return options;
    }

    /** Kafka, the broker and Streams at WARN; slf4j-simple reads a logger's level when the logger is created. */
    private static void quietLogging() {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.io.onceflow", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
        System.setProperty("org.slf4j.simpleLogger.log.kafka", "error");
        System.setProperty("org.slf4j.simpleLogger.log.io.onceflow.testinfra", "info");
    }
}
