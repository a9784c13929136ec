package io.onceflow.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.onceflow.it.kafka.KafkaLedger.Input;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.ChildProcesses;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.WithKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Exactly-once under both consumer group protocols, classic and KIP-848's {@code consumer}, on a real broker: two
 * instances of the ledger job in child JVMs share a group while payments keep arriving; the second joins (partitions
 * move to it), the first is SIGKILLed (its partitions move to the second once its session expires, and its open
 * transaction is aborted before the second reads their offsets), the first comes back (partitions move again); an
 * independent read_committed consumer then finds one balance per payment, every account's sequence without gap or
 * repeat, and the final balances equal to the input's sums.
 *
 * <p>It also measures, for each protocol, the time from the SIGKILL to the first output committed for one of the
 * killed instance's partitions by the survivor, and to all of them: printed, never asserted (the machine is shared).
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
class KafkaGroupProtocolFailoverIT {

    private static final int ACCOUNTS = 300;

    static {
        KafkaTestLogging.quiet();
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void aKilledInstancesPartitionsMoveToTheSurvivorAndTheOutputIsExact(GroupProtocol protocol, KafkaBroker broker)
            throws Exception {
        String bootstrap = broker.bootstrapServers();
        String name = "failover-" + protocol.name().toLowerCase(Locale.ROOT);
        String in = name + "-payments";
        String out = name + "-balances";
        broker.createTopic(in, 4);
        broker.createTopic(out, 4);
        Path log = Files.createTempFile(name, ".log");
        List<Process> processes = new ArrayList<>();
        Input input;
        try (Admin admin = KafkaLedger.admin(bootstrap);
                SteadyPayments payments = new SteadyPayments(bootstrap, in, ACCOUNTS)) {
            processes.add(LedgerInstance.start(bootstrap, in, out, name, "a", protocol, log));
            awaitCommittedGrowth(admin, name, 2_000, log);
            processes.add(LedgerInstance.start(bootstrap, in, out, name, "b", protocol, log));
            awaitBothOwnPartitions(admin, name, log);
            awaitCommittedGrowth(admin, name, 2_000, log);
            // the broker runs the group under the protocol asked for, not the other one silently
            assertThat(admin.describeConsumerGroups(List.of(name))
                            .all()
                            .get()
                            .get(name)
                            .type())
                    .isEqualTo(protocol == GroupProtocol.CONSUMER ? GroupType.CONSUMER : GroupType.CLASSIC);

            // the first instance dies mid-stream: input is flowing, so it holds an open transaction
            Map<String, Set<TopicPartition>> owners = awaitBothOwnPartitions(admin, name, log);
            Set<TopicPartition> orphaned = owners.get(name + "-a");
            Map<TopicPartition, Long> before = committed(admin, name);
            long killed = System.nanoTime();
            ChildProcesses.kill(processes.get(0));
            Failover failover = awaitTakenOver(admin, name, orphaned, before, killed, log);
            System.out.printf(
                    "group.protocol=%s: SIGKILL of the instance owning %s -> first output committed for one of them"
                            + " by the survivor after %d ms, for all of them after %d ms%n",
                    protocol.name().toLowerCase(Locale.ROOT), orphaned, failover.firstMillis, failover.allMillis);

            // it comes back: partitions move again, and the output stays exact
            processes.set(0, LedgerInstance.start(bootstrap, in, out, name, "a", protocol, log));
            awaitBothOwnPartitions(admin, name, log);
            awaitCommittedGrowth(admin, name, 2_000, log);
            input = payments.stop();
            KafkaLedger.awaitCaughtUp(bootstrap, name, in, Duration.ofMinutes(3));
        } finally {
            processes.forEach(ChildProcesses::kill);
        }
        KafkaLedger.assertExactlyOnce(KafkaLedger.balances(bootstrap, out), input);
    }

    // ---- the group, as the broker sees it ----

    private record Failover(long firstMillis, long allMillis) {}

    /** Waits until the survivor has committed output past {@code before} for one, then every, orphaned partition. */
    private static Failover awaitTakenOver(
            Admin admin,
            String group,
            Set<TopicPartition> orphaned,
            Map<TopicPartition, Long> before,
            long killed,
            Path log) {
        AtomicLong first = new AtomicLong();
        AtomicReference<Map<TopicPartition, Long>> last = new AtomicReference<>(Map.of());
        try {
            await("the survivor taking over " + orphaned)
                    .atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        Map<TopicPartition, Long> now = committed(admin, group);
                        last.set(now);
                        long moved = orphaned.stream()
                                .filter(p -> now.getOrDefault(p, 0L) > before.getOrDefault(p, 0L))
                                .count();
                        if (moved > 0) {
                            first.compareAndSet(0, System.nanoTime());
                        }
                        return moved == orphaned.size();
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(
                    e.getMessage() + ": committed " + last.get() + ", before the kill " + before + "\n"
                            + LedgerInstance.tail(log),
                    e);
        }
        long all = System.nanoTime();
        return new Failover(
                TimeUnit.NANOSECONDS.toMillis(first.get() - killed), TimeUnit.NANOSECONDS.toMillis(all - killed));
    }

    /** Waits until both instances are members with partitions; returns each one's, by client id. */
    private static Map<String, Set<TopicPartition>> awaitBothOwnPartitions(Admin admin, String group, Path log) {
        AtomicReference<Map<String, Set<TopicPartition>>> owners = new AtomicReference<>(Map.of());
        await("both instances owning partitions of " + group + " (" + log + ")")
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group))
                            .all()
                            .get()
                            .get(group);
                    Map<String, Set<TopicPartition>> now = new HashMap<>();
                    for (MemberDescription member : description.members()) {
                        now.put(member.clientId(), member.assignment().topicPartitions());
                    }
                    owners.set(now);
                    return now.size() == 2
                            && now.containsKey(group + "-a")
                            && now.values().stream().noneMatch(Set::isEmpty)
                            && now.values().stream().mapToInt(Set::size).sum() == 4;
                });
        return owners.get();
    }

    private static void awaitCommittedGrowth(Admin admin, String group, long records, Path log) throws Exception {
        long target = KafkaLedger.committedRecords(admin, group) + records;
        await("the group " + group + " committing " + records + " more records (" + log + ")")
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> KafkaLedger.committedRecords(admin, group) >= target);
    }

    private static Map<TopicPartition, Long> committed(Admin admin, String group) throws Exception {
        return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet().stream()
                .filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }
}
