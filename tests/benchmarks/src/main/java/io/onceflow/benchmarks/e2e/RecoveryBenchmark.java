package io.onceflow.benchmarks.e2e;

import io.onceflow.benchmarks.BenchmarkOptions;
import io.onceflow.benchmarks.e2e.TimedLedger.Payment;
import io.onceflow.benchmarks.report.OpenLoopPacer;
import io.onceflow.benchmarks.report.PartResults;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.ChildProcesses;
import io.onceflow.testinfra.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Recovery after SIGKILL: the Kafka to Kafka ledger job ({@link RecoveryProcessor}) runs in a child JVM under a steady
 * open-loop input of {@code --rate} payments/s; at steady state it is SIGKILLed and started again at once, {@code
 * --kills} times. Measured from the restart (the new JVM's launch): the time to the first output a {@code
 * read_committed} consumer sees, the time until the job's committed input rate over the last second is back to 90% of
 * its rate before the kill, and the time until it has caught up with the input that arrived up to the restart.
 *
 * <pre>
 * java -cp benchmarks.jar io.onceflow.benchmarks.e2e.RecoveryBenchmark [--rate 100000] [--kills 3]
 *     [--steady-seconds 15] [--after-seconds 20] [--interval-ms 100] [--membership static|dynamic] [--out file]
 * </pre>
 *
 * <p>{@code -Dbench.childJvm=<option>} adds one JVM option to the processor's command line: a flight recording, for
 * one ({@code jcmd <pid> JFR.dump} before the next kill, since a SIGKILLed JVM writes none).
 */
public final class RecoveryBenchmark {

    private static final int PARTITIONS = 4;
    private static final int ACCOUNTS = 10_000;
    private static final String INPUT = "recovery-payments";
    private static final String OUTPUT = "recovery-balances";

    /** The group's committed input positions, summed, sampled every 50 ms: {nanos, committed}. */
    private final List<long[]> samples = new CopyOnWriteArrayList<>();

    private final AtomicLong produced = new AtomicLong();

    private RecoveryBenchmark() {}

    public static void main(String[] args) throws Exception {
        TimedLedger.quietLogging();
        Map<String, String> options = BenchmarkOptions.parse(args);
        double rate = Double.parseDouble(options.getOrDefault("rate", "100000"));
        int kills = Integer.parseInt(options.getOrDefault("kills", "3"));
        int steady = Integer.parseInt(options.getOrDefault("steady-seconds", "15"));
        int after = Integer.parseInt(options.getOrDefault("after-seconds", "20"));
        String interval = options.getOrDefault("interval-ms", "100");
        String membership = options.getOrDefault("membership", "static");
        PartResults results;
        try (KafkaBroker broker = KafkaBroker.start(BrokerMode.IN_PROCESS)) {
            results = new RecoveryBenchmark().run(broker, rate, kills, steady, after, interval, membership);
        }
        if (options.containsKey("out")) {
            results.write(Path.of(options.get("out")));
        }
        System.exit(0);
    }

    private PartResults run(
            KafkaBroker broker, double rate, int kills, int steady, int after, String interval, String membership)
            throws Exception {
        broker.createTopic(INPUT, PARTITIONS);
        broker.createTopic(OUTPUT, PARTITIONS);
        String bootstrap = broker.bootstrapServers();
        AtomicBoolean stop = new AtomicBoolean();
        Thread producer = new Thread(() -> produce(bootstrap, rate, stop), "recovery-producer");
        Thread sampler = new Thread(() -> sample(bootstrap, stop), "recovery-sampler");
        producer.start();
        sampler.start();
        Path log = Files.createTempFile("onceflow-recovery-processor-", ".log");
        List<String> processorArgs = List.of(
                "--bootstrap",
                bootstrap,
                "--input",
                INPUT,
                "--output",
                OUTPUT,
                "--interval-ms",
                interval,
                "--membership",
                membership);
        // the processor's log says when each phase of its start ended (fencing, restore, assignment)
        List<String> jvm = new ArrayList<>(List.of(
                "-Xmx512m",
                "-Dorg.slf4j.simpleLogger.log.io.onceflow.CHECKPOINT=info",
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS"));
        String extra = System.getProperty("bench.childJvm"); // one more option, e.g. -XX:StartFlightRecording=...
        if (extra != null) {
            jvm.add(extra);
        }
        System.out.println("processor log: " + log);
        Process processor = ChildJvm.start(jvm, RecoveryProcessor.class, processorArgs, log);
        PartResults results = PartResults.empty()
                .put("rate", rate)
                .put("interval_ms", Long.parseLong(interval))
                .put("membership", membership)
                .put("kills", kills);
        double[] first = new double[kills];
        double[] full = new double[kills];
        double[] caughtUp = new double[kills];
        double[] before = new double[kills];
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        "bootstrap.servers",
                        bootstrap,
                        "isolation.level",
                        "read_committed",
                        "enable.auto.commit",
                        "false"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(OUTPUT, p));
            }
            consumer.assign(partitions);
            for (int kill = 0; kill < kills; kill++) {
                Thread.sleep(Duration.ofSeconds(steady).toMillis());
                before[kill] = rateOver(System.nanoTime(), Duration.ofSeconds(5));
                ChildProcesses.kill(processor);
                Thread.sleep(200); // a commit the killed JVM had already sent completes, and is not counted
                consumer.seekToEnd(partitions);
                partitions.forEach(consumer::position); // resolve the positions now, before the clock starts
                long restart = System.nanoTime();
                System.out.println("restart " + (kill + 1) + " at " + LocalTime.now());
                long backlog = produced.get();
                processor = ChildJvm.start(jvm, RecoveryProcessor.class, processorArgs, log);
                long deadline = restart + Duration.ofSeconds(after).toNanos();
                first[kill] = Double.NaN;
                while (System.nanoTime() < deadline && Double.isNaN(first[kill])) {
                    if (!consumer.poll(Duration.ofMillis(5)).isEmpty()) {
                        first[kill] = (System.nanoTime() - restart) / 1e9;
                    }
                }
                LockSupport.parkNanos(Math.max(0, deadline - System.nanoTime()));
                full[kill] = backToRate(restart, 0.9 * before[kill]);
                caughtUp[kill] = reached(restart, backlog);
                System.out.printf(
                        Locale.ROOT,
                        "kill %d: %,.0f records/s before; first committed output %.2f s after the restart, rate back"
                                + " to 90%% after %.2f s, caught up with the backlog after %.2f s%n",
                        kill + 1,
                        before[kill],
                        first[kill],
                        full[kill],
                        caughtUp[kill]);
                results.put("kill" + (kill + 1) + ".rate_before", before[kill])
                        .put("kill" + (kill + 1) + ".first_output_s", first[kill])
                        .put("kill" + (kill + 1) + ".full_rate_s", full[kill])
                        .put("kill" + (kill + 1) + ".caught_up_s", caughtUp[kill]);
            }
        } finally {
            stop.set(true);
            ChildProcesses.kill(processor);
            producer.join();
            sampler.join();
        }
        results.put("first_output_s.median", median(first))
                .put("first_output_s.max", Arrays.stream(first).max().orElse(Double.NaN))
                .put("full_rate_s.median", median(full))
                .put("caught_up_s.median", median(caughtUp))
                .put("rate_before.median", median(before));
        return results;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted); // NaN sorts last
        return sorted[sorted.length / 2];
    }

    /** Committed input records per second over the {@code window} before {@code nanos}. */
    private double rateOver(long nanos, Duration window) {
        return (committedAt(nanos) - committedAt(nanos - window.toNanos())) / (window.toNanos() / 1e9);
    }

    private long committedAt(long nanos) {
        long committed = 0;
        for (long[] sample : samples) {
            if (sample[0] > nanos) {
                break;
            }
            committed = sample[1];
        }
        return committed;
    }

    /** Seconds from {@code restart} until the rate over the trailing second first reaches {@code target}. */
    private double backToRate(long restart, double target) {
        for (long[] sample : samples) {
            if (sample[0] >= restart + 1_000_000_000L && rateOver(sample[0], Duration.ofSeconds(1)) >= target) {
                return (sample[0] - restart) / 1e9;
            }
        }
        return Double.NaN;
    }

    /** Seconds from {@code restart} until the committed input first reached {@code records}. */
    private double reached(long restart, long records) {
        for (long[] sample : samples) {
            if (sample[0] >= restart && sample[1] >= records) {
                return (sample[0] - restart) / 1e9;
            }
        }
        return Double.NaN;
    }

    private void produce(String bootstrap, double rate, AtomicBoolean stop) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", bootstrap, "acks", "all", "linger.ms", "5", "batch.size", "65536"),
                new StringSerializer(),
                new ByteArraySerializer())) {
            OpenLoopPacer pacer = new OpenLoopPacer(System.nanoTime(), rate);
            long sent = 0;
            while (!stop.get()) {
                long due = pacer.dueBy(System.nanoTime());
                for (; sent < due; sent++) {
                    String account = TimedLedger.account(sent, ACCOUNTS);
                    producer.send(new ProducerRecord<>(
                            INPUT,
                            TimedLedger.partition(account, PARTITIONS),
                            account,
                            TimedLedger.PAYMENTS.encode(
                                    new Payment(sent, account, TimedLedger.cents(sent), pacer.intendedNanos(sent)))));
                }
                produced.set(sent);
                LockSupport.parkNanos(Math.max(50_000, pacer.intendedNanos(sent) - System.nanoTime()));
            }
        }
    }

    private void sample(String bootstrap, AtomicBoolean stop) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            while (!stop.get()) {
                try {
                    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                                    RecoveryProcessor.PIPELINE)
                            .partitionsToOffsetAndMetadata()
                            .get();
                    long total = committed.values().stream()
                            .mapToLong(OffsetAndMetadata::offset)
                            .sum();
                    samples.add(new long[] {System.nanoTime(), total});
                } catch (Exception e) {
                    // the group may not exist yet
                }
                LockSupport.parkNanos(50_000_000L);
            }
        }
    }
}
