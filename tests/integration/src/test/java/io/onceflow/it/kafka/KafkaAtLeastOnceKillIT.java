package io.onceflow.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.core.ProtocolPoint;
import io.onceflow.it.kafka.KafkaLedger.Balance;
import io.onceflow.it.kafka.KafkaLedger.Input;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.ChildProcesses;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.WithKafka;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The at-least-once Kafka sink under SIGKILL, on a real broker: the ledger job runs in a child JVM that halts (as a
 * SIGKILL leaves it) in the middle of checkpoints, at protocol points, and is SIGKILLed at a random moment, then
 * started again; an independent consumer then reads the output. Every payment must have at least one balance (no
 * loss); duplicates are allowed, counted and printed; each account's final balance holds at least its payments' sum
 * (the keyed state, restored from the changelog, lost nothing either).
 *
 * <p>The same check on a sink that commits each checkpoint's positions before its writes are acknowledged must find
 * losses: that is what shows it can fail.
 */
@WithKafka(mode = BrokerMode.IN_PROCESS, lifetime = WithKafka.Lifetime.PER_METHOD)
class KafkaAtLeastOnceKillIT {

    private static final String IN = "alo-payments";
    private static final String OUT = "alo-balances";
    private static final int ACCOUNTS = 200;

    static {
        KafkaTestLogging.quiet();
    }

    @Test
    void noPaymentIsLostUnderSigkillDuplicatesAreCounted(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        broker.createTopic(IN, 4);
        broker.createTopic(OUT, 4);
        // every write of the checkpoint acknowledged, its offsets not committed (the checkpoint is written twice);
        // mid-checkpoint (some of its records sent, the rest, its state and offsets not); committed, the source not
        // told; a claim with its state read and not restored; then a SIGKILL at a random moment
        List<String> halts = List.of(
                "BEFORE_TRANSACTION_COMMIT:3",
                "AFTER_FLUSH:4",
                "BEFORE_TRANSACTION_COMMIT:6",
                "AFTER_COMMIT:3",
                "DURING_RESTORE:1");
        Path log = Files.createTempFile("alo-processor", ".log");
        Input input;
        try (SteadyPayments payments = new SteadyPayments(bootstrap, IN, ACCOUNTS)) {
            for (String halt : halts) {
                String[] at = halt.split(":");
                Process processor = start(bootstrap, at[0], Integer.parseInt(at[1]), "correct", log);
                int code = awaitExit(processor, log);
                assertThat(code)
                        .as("exit code of the processor armed at %s (log %s)", halt, log)
                        .isEqualTo(AtLeastOnceProcessor.HALTED
                                + ProtocolPoint.valueOf(at[0]).ordinal());
            }
            try (Admin admin = KafkaLedger.admin(bootstrap)) {
                long before = KafkaLedger.committedRecords(admin, AtLeastOnceProcessor.PIPELINE);
                Process processor = start(bootstrap, "none", 0, "correct", log);
                awaitCommitted(admin, before + 2_000, processor, log);
                ChildProcesses.kill(processor); // SIGKILL, wherever it is
            }
            input = payments.stop();
        }
        Process last = start(bootstrap, "none", 0, "correct", log);
        try {
            KafkaLedger.awaitCaughtUp(bootstrap, AtLeastOnceProcessor.PIPELINE, IN, Duration.ofMinutes(3));
        } finally {
            ChildProcesses.kill(last);
        }

        Count committed = count(bootstrap, input, "read_committed");
        Count uncommitted = count(bootstrap, input, "read_uncommitted");
        System.out.printf(
                "at-least-once under %d halts and a SIGKILL: %d payments, read_committed %d outputs (%d lost, %d"
                        + " duplicates), read_uncommitted %d outputs (%d lost, %d duplicates)%n",
                halts.size(),
                input.payments.size(),
                committed.outputs,
                committed.lost.size(),
                committed.duplicates,
                uncommitted.outputs,
                uncommitted.lost.size(),
                uncommitted.duplicates);
        assertThat(committed.lost)
                .as("payments without any balance (read_committed)")
                .isEmpty();
        assertThat(uncommitted.lost)
                .as("payments without any balance (read_uncommitted)")
                .isEmpty();
        assertThat(committed.unknown).as("balances of no input payment").isEmpty();
        // the halts before the offsets' commit replay checkpoints whose writes were acknowledged
        assertThat(committed.duplicates).as("duplicates").isPositive();
        // the state restored from the changelog holds every payment at least once: balances never fall short
        Map<String, Long> sums = input.sums();
        committed.finalBalances.forEach((account, balance) -> assertThat(balance.cents())
                .as("final balance of %s", account)
                .isGreaterThanOrEqualTo(sums.get(account)));
        assertThat(committed.finalBalances.keySet()).isEqualTo(sums.keySet());
    }

    @Test
    void offsetsCommittedBeforeTheWritesAreAcknowledgedLosePayments(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        broker.createTopic(IN, 4);
        broker.createTopic(OUT, 4);
        Path log = Files.createTempFile("alo-broken-processor", ".log");
        Input input;
        try (SteadyPayments payments = new SteadyPayments(bootstrap, IN, ACCOUNTS)) {
            Process broken = start(bootstrap, "AFTER_SEND_OFFSETS", 3, "broken", log);
            assertThat(awaitExit(broken, log))
                    .isEqualTo(AtLeastOnceProcessor.HALTED + ProtocolPoint.AFTER_SEND_OFFSETS.ordinal());
            input = payments.stop();
        }
        Process rest = start(bootstrap, "none", 0, "broken", log);
        try {
            awaitEarlyCaughtUp(bootstrap, rest, log);
        } finally {
            ChildProcesses.kill(rest);
        }

        Count count = count(bootstrap, input, "read_uncommitted");
        System.out.printf(
                "offsets committed before the acks: %d payments, %d outputs, %d lost, %d duplicates%n",
                input.payments.size(), count.outputs, count.lost.size(), count.duplicates);
        assertThat(count.lost).as("payments without any balance").isNotEmpty();
    }

    // ---- the input ----

    // ---- the processor ----

    private static Process start(String bootstrap, String point, int occurrence, String variant, Path log)
            throws IOException {
        List<String> command = ChildProcesses.javaCommand(
                List.of("-Xmx256m"),
                AtLeastOnceProcessor.class,
                List.of(bootstrap, IN, OUT, point, String.valueOf(occurrence), variant));
        Files.writeString(
                log,
                "=== processor armed at " + point + ":" + occurrence + " (" + variant + ")\n",
                StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.APPEND);
        return ChildProcesses.start(
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(Redirect.appendTo(log.toFile())),
                "at-least-once processor");
    }

    private static int awaitExit(Process processor, Path log) throws Exception {
        if (!processor.waitFor(2, TimeUnit.MINUTES)) {
            String threads = threadDump(processor);
            ChildProcesses.kill(processor);
            throw new AssertionError("the processor did not halt within 2 minutes: " + tail(log) + "\n" + threads);
        }
        ChildProcesses.forget(processor);
        return processor.exitValue();
    }

    private static void awaitCommitted(Admin admin, long records, Process processor, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (KafkaLedger.committedRecords(admin, AtLeastOnceProcessor.PIPELINE) < records) {
            if (System.nanoTime() > deadline || !processor.isAlive()) {
                throw new AssertionError("the processor did not commit " + records + " records: " + tail(log));
            }
            Thread.sleep(20);
        }
    }

    /** The broken variant resumes from its early group: it has caught up once that group reached the end. */
    private static void awaitEarlyCaughtUp(String bootstrap, Process processor, Path log) throws Exception {
        try {
            KafkaLedger.awaitCaughtUp(bootstrap, AtLeastOnceProcessor.PIPELINE, IN, Duration.ofMinutes(3));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + tail(log), e);
        }
    }

    private static String threadDump(Process processor) {
        try {
            Process jcmd = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "jcmd")
                                    .toString(),
                            String.valueOf(processor.pid()),
                            "Thread.print")
                    .redirectErrorStream(true)
                    .start();
            String dump = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            jcmd.waitFor(30, TimeUnit.SECONDS);
            return dump;
        } catch (IOException | InterruptedException e) {
            return "no thread dump: " + e;
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    // ---- the independent count ----

    private static final class Count {
        long outputs;
        long duplicates;
        Set<Long> lost = new HashSet<>();
        Set<Long> unknown = new HashSet<>();
        Map<String, Balance> finalBalances = new HashMap<>();
    }

    /** Reads the whole output topic with a consumer of its own and counts each payment's balances. */
    private static Count count(String bootstrap, Input input, String isolation) {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("isolation.level", isolation);
        props.put("enable.auto.commit", "false");
        props.put("max.poll.records", "5000");
        Count count = new Count();
        Map<Long, Integer> effects = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(OUT, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(OUT, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                assertThat(System.nanoTime()).as("reading %s to %s", OUT, ends).isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    Balance balance = KafkaLedger.BALANCES.decode(record.value());
                    count.outputs++;
                    effects.merge(balance.lastPaymentId(), 1, Integer::sum);
                    // in partition order: an account's records are in one partition, the last one read is its latest
                    count.finalBalances.put(balance.account(), balance);
                }
            }
        }
        effects.values().forEach(n -> count.duplicates += n - 1);
        count.lost.addAll(input.payments.keySet());
        count.lost.removeAll(effects.keySet());
        count.unknown.addAll(effects.keySet());
        count.unknown.removeAll(input.payments.keySet());
        return count;
    }
}
