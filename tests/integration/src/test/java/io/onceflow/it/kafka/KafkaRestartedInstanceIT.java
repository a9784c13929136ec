package io.onceflow.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.FencedException;
import io.onceflow.core.Pipeline;
import io.onceflow.core.PipelineStatus;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.it.kafka.KafkaLedger.Input;
import io.onceflow.it.kafka.KafkaLedger.Payment;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.kafka.KafkaSourceOptions;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.ChildProcesses;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.WithKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.UnreleasedInstanceIdException;
import org.assertj.core.api.ThrowingConsumer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.Disposable;
import reactor.core.Disposables;

/**
 * An instance SIGKILLed and started again takes its partitions back at once, not after its dead predecessor's
 * session: the Kafka source joins its group as a static member by default (classic protocol), with an id made from
 * the pipeline's name and instance id, so the coordinator replaces the dead member with the restarted one. On a real
 * broker, in child JVMs, while payments keep arriving; the output is then checked exactly once by an independent
 * read_committed consumer.
 *
 * <p>The session is 60 s. A dynamic member (the behaviour before static membership was the default, and what
 * {@code staticMembership(false)} gives) waits for the dead member's session to expire before the group rebalances,
 * so its first commit comes about 60 s after the kill; the test allows the restarted instance 40 s. That is a bound on
 * the protocol (replaced at once, or only after the session), not a speed: the restart itself takes seconds. Under
 * the consumer protocol (KIP-848) the broker refuses a crashed static member's id until its session is over, and the
 * second test checks that the restarted instance waits that out and resumes.
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
class KafkaRestartedInstanceIT {

    private static final int ACCOUNTS = 300;
    private static final String SESSION_MS = "60000";
    private static final Duration WITHIN_THE_SESSION = Duration.ofSeconds(40);

    static {
        KafkaTestLogging.quiet();
    }

    @Test
    void aKilledInstanceStartedAgainTakesItsPartitionsBackWithoutWaitingForItsSession(KafkaBroker broker)
            throws Exception {
        long restartMillis =
                killAndRestart(broker, "restarted", GroupProtocol.CLASSIC, WITHIN_THE_SESSION, log -> {}, SESSION_MS);
        System.out.printf(
                "restarted instance committing again %d ms after its start (session %s ms)%n",
                restartMillis, SESSION_MS);
    }

    /**
     * An instance SIGKILLed while it gives partitions up to a member that just joined, and started again within its
     * session. Under cooperative rebalancing a member first revokes what moves, and rejoins so that a follow-up
     * rebalance hands it over; this one dies in its revocation callback, before that rejoin. The coordinator replaces
     * the dead static member with the restarted one without a rebalance ("a static member that joins during Stable
     * does not trigger one") and gives it the assignment it died in, which no longer holds the partitions it was
     * giving up, while the new member's holds none of them yet: nobody owns them, and without a rebalance nobody ever
     * will (the dead member's session is replaced, not expired). The restarted source must ask for that rebalance.
     * Every partition must be owned again, and committed past where it was, well within the 60 s session, whose
     * expiry would rebalance and hide the hole. Under the consumer protocol (static: the sources stay in their group
     * on close) the broker reconciles the revocation itself, and refuses the restarted instance's id until the dead
     * member's session (the test broker's 6 s) is over; the same must hold there.
     */
    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void aStaticInstanceKilledWhileGivingUpPartitionsLeavesNoPartitionWithoutAnOwner(
            GroupProtocol protocol, KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        String name = "handover-" + protocol.name().toLowerCase(Locale.ROOT);
        String membership = protocol == GroupProtocol.CLASSIC ? SESSION_MS : "stay";
        Job job = Job.create(broker, name);
        String in = job.in();
        String out = job.out();
        Path log = job.log();
        Process a = null;
        Process b = null;
        Input input;
        try (Admin admin = KafkaLedger.admin(bootstrap);
                SteadyPayments payments = new SteadyPayments(bootstrap, in, ACCOUNTS)) {
            a = LedgerInstance.start(bootstrap, in, out, name, "a", protocol, log, membership, "halt-on-revoke");
            awaitCommittedGrowth(admin, name, 2_000, Duration.ofMinutes(2), log);
            b = LedgerInstance.start(bootstrap, in, out, name, "b", protocol, log, membership);
            assertThat(a.waitFor(2, TimeUnit.MINUTES))
                    .as("instance a halting when b joins\n%s", LedgerInstance.tail(log))
                    .isTrue();
            assertThat(a.exitValue())
                    .as("a's exit: halted in its revocation callback\n%s", LedgerInstance.tail(log))
                    .isEqualTo(LedgerInstance.HALTED_ON_REVOKE);
            Map<TopicPartition, Long> before = committedOffsets(admin, name);

            a = LedgerInstance.start(bootstrap, in, out, name, "a", protocol, log, membership);
            try {
                await("every partition of " + in + " owned, and committed past " + before)
                        .atMost(WITHIN_THE_SESSION)
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> ownedPartitions(admin, name) == 4
                                && allCommittedPast(committedOffsets(admin, name), before, in, 4));
            } catch (ConditionTimeoutException e) {
                throw new AssertionError(
                        e.getMessage() + "\nowned: " + ownedPartitions(admin, name) + ", committed: "
                                + committedOffsets(admin, name) + "\n" + LedgerInstance.tail(log),
                        e);
            }
            input = payments.stop();
            KafkaLedger.awaitCaughtUp(bootstrap, name, in, Duration.ofMinutes(3));
        } finally {
            if (a != null) {
                ChildProcesses.kill(a);
            }
            if (b != null) {
                ChildProcesses.kill(b);
            }
        }
        KafkaLedger.assertExactlyOnce(KafkaLedger.balances(bootstrap, out), input);
    }

    /**
     * Under KIP-848's consumer protocol the Kafka source is a static member only when it stays in its group on
     * close ({@code leaveGroupOnClose(false)}, for rolling restarts), and then a SIGKILL leaves a member behind that
     * holds its id: the broker refuses the id to the restarted instance until the dead member's session expires (the
     * test broker's 6 s). The restarted run fails with a transient failure that says why, restarts until the session
     * is over, then takes the partitions back, and the output stays exact.
     */
    @Test
    void underTheConsumerProtocolAKilledStaticMembersRestartWaitsForItsSessionThenResumes(KafkaBroker broker)
            throws Exception {
        String name = "restarted-consumer";
        killAndRestart(
                broker,
                name,
                GroupProtocol.CONSUMER,
                Duration.ofMinutes(2),
                log -> assertThat(Files.readString(log, StandardCharsets.UTF_8))
                        .as("the restarted run refused its id while the dead member's session lasted, and said why")
                        .contains("cannot join its consumer group " + name + " yet"),
                "stay");
    }

    /**
     * The same misconfiguration under the consumer protocol, with sources that stay in their group on close (so that
     * they are static members): the broker refuses the newer one's id for as long as the older one lives
     * ({@code UNRELEASED_INSTANCE_ID}), so the newer's runs fail with the transient failure that says so until its
     * restart attempts run out, and it stops; the older one reads on without a restart. The newer never owned a
     * partition, so it committed nothing.
     */
    @Test
    void underTheConsumerProtocolOfTwoInstancesWithTheSameIdentityTheNewerIsRefusedAndStops(KafkaBroker broker)
            throws Exception {
        String bootstrap = broker.bootstrapServers();
        String name = "twice-consumer";
        String in = name + "-payments";
        broker.createTopic(in, 2);
        KafkaLedger.produce(bootstrap, in, 0, 1_000, ACCOUNTS, 7);
        InMemoryCommitPoint<Payment> olderOutput = InMemoryCommitPoint.create();
        InMemoryCommitPoint<Payment> newerOutput = InMemoryCommitPoint.create();
        KafkaSourceOptions<Payment> staying = KafkaLedger.sourceOptions(bootstrap, in, GroupProtocol.CONSUMER)
                .leaveGroupOnClose(false)
                .build();
        Pipeline older = KafkaLedger.pipeline(name, "a", new SimpleMeterRegistry())
                .from(KafkaSource.create(staying))
                .to(olderOutput);
        Pipeline newer = KafkaLedger.pipeline(name, "a", new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.defaults()
                        .withMaxAttempts(3)
                        .withBackoff(Duration.ofMillis(100), Duration.ofMillis(200)))
                .from(KafkaSource.create(staying))
                .to(newerOutput);
        CompletableFuture<Throwable> newerEnded = new CompletableFuture<>();
        Disposable olderRun = older.run().subscribe();
        Disposable newerRun = Disposables.single();
        try {
            await("the older instance committing")
                    .atMost(Duration.ofMinutes(1))
                    .until(() -> !olderOutput.committed().isEmpty());
            newerRun = newer.run().subscribe(event -> {}, newerEnded::complete, () -> newerEnded.complete(null));
            assertThat(newerEnded.get(1, TimeUnit.MINUTES))
                    .as("the newer instance, refused its group.instance.id while the older lives")
                    .isNotNull()
                    .hasStackTraceContaining("cannot join its consumer group " + name + " yet")
                    .hasStackTraceContaining(UnreleasedInstanceIdException.class.getName());
            assertThat(newerOutput.committed()).isEmpty();
            // the older one keeps its partitions and reads on, with no restart of its own
            int committedBefore = olderOutput.committed().size();
            KafkaLedger.produce(bootstrap, in, 1_000, 1_000, ACCOUNTS, 8);
            await("the older instance committing on")
                    .atMost(Duration.ofMinutes(1))
                    .until(() -> olderOutput.committed().size() > committedBefore);
            assertThat(older.status().state()).isEqualTo(PipelineStatus.State.RUNNING);
            assertThat(older.status().restarts()).isZero();
        } finally {
            olderRun.dispose();
            newerRun.dispose();
        }
    }

    /**
     * One static instance of the ledger job in a child JVM under load, SIGKILLed mid-stream (an open transaction, a
     * member that never left) and started again at once: it must commit again {@code within}, then pass
     * {@code afterRestart} over the instances' log, and the output must be exactly once.
     *
     * @param options the instance's optional arguments ({@link LedgerInstance})
     * @return the milliseconds from the restart to its first committed growth
     */
    private static long killAndRestart(
            KafkaBroker broker,
            String name,
            GroupProtocol protocol,
            Duration within,
            ThrowingConsumer<Path> afterRestart,
            String... options)
            throws Exception {
        String bootstrap = broker.bootstrapServers();
        Job job = Job.create(broker, name);
        String in = job.in();
        String out = job.out();
        Path log = job.log();
        Process instance = null;
        Input input;
        long restartMillis;
        try (Admin admin = KafkaLedger.admin(bootstrap);
                SteadyPayments payments = new SteadyPayments(bootstrap, in, ACCOUNTS)) {
            instance = LedgerInstance.start(bootstrap, in, out, name, "a", protocol, log, options);
            awaitCommittedGrowth(admin, name, 2_000, Duration.ofMinutes(2), log);
            assertThat(admin.describeConsumerGroups(List.of(name))
                            .all()
                            .get()
                            .get(name)
                            .members())
                    .extracting(MemberDescription::groupInstanceId)
                    .containsExactly(Optional.of(name + "-a-kafka"));

            ChildProcesses.kill(instance);
            long restarted = System.nanoTime();
            instance = LedgerInstance.start(bootstrap, in, out, name, "a", protocol, log, options);
            awaitCommittedGrowth(admin, name, 2_000, within, log);
            restartMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted);
            afterRestart.accept(log);

            input = payments.stop();
            KafkaLedger.awaitCaughtUp(bootstrap, name, in, Duration.ofMinutes(3));
        } finally {
            if (instance != null) {
                ChildProcesses.kill(instance);
            }
        }
        KafkaLedger.assertExactlyOnce(KafkaLedger.balances(bootstrap, out), input);
        return restartMillis;
    }

    /**
     * Two processes started with the same pipeline name and instance id (a misconfiguration, or a frozen instance
     * thawing after its replacement started): the newer takes the older's place in the group, and the older stops
     * with a {@link FencedException} saying why, rather than restarting and taking the place back (each would then
     * fail the other in turn). The commit points here are in memory, one each, so only the group can tell them apart.
     */
    @Test
    void ofTwoInstancesWithTheSameIdentityTheOlderStopsAndTheNewerRunsOn(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        String name = "twice";
        String in = name + "-payments";
        broker.createTopic(in, 2);
        KafkaLedger.produce(bootstrap, in, 0, 1_000, ACCOUNTS, 7);
        InMemoryCommitPoint<Payment> olderOutput = InMemoryCommitPoint.create();
        InMemoryCommitPoint<Payment> newerOutput = InMemoryCommitPoint.create();
        Pipeline older = KafkaLedger.pipeline(name, "a", new SimpleMeterRegistry())
                .from(KafkaSource.create(
                        KafkaLedger.sourceOptions(bootstrap, in).build()))
                .to(olderOutput);
        Pipeline newer = KafkaLedger.pipeline(name, "a", new SimpleMeterRegistry())
                .from(KafkaSource.create(
                        KafkaLedger.sourceOptions(bootstrap, in).build()))
                .to(newerOutput);
        CompletableFuture<Throwable> olderEnded = new CompletableFuture<>();
        Disposable olderRun = older.run().subscribe(event -> {}, olderEnded::complete, () -> olderEnded.complete(null));
        Disposable newerRun = Disposables.single();
        try {
            await("the older instance committing")
                    .atMost(Duration.ofMinutes(1))
                    .until(() -> !olderOutput.committed().isEmpty());
            newerRun = newer.run().subscribe();
            assertThat(olderEnded.get(1, TimeUnit.MINUTES))
                    .isInstanceOf(FencedException.class)
                    .hasMessageContaining("same group.instance.id")
                    .hasCauseInstanceOf(FencedInstanceIdException.class);
            // the newer one owns the group's partitions and reads on, with no restart of its own
            KafkaLedger.produce(bootstrap, in, 1_000, 1_000, ACCOUNTS, 8);
            await("the newer instance committing")
                    .atMost(Duration.ofMinutes(1))
                    .until(() -> !newerOutput.committed().isEmpty());
            assertThat(newer.status().state()).isEqualTo(PipelineStatus.State.RUNNING);
            assertThat(newer.status().restarts()).isZero();
        } finally {
            olderRun.dispose();
            newerRun.dispose();
        }
    }

    /** A ledger job's input and output topics (4 partitions each, named after the job), and its instances' log. */
    private record Job(String in, String out, Path log) {
        static Job create(KafkaBroker broker, String name) throws Exception {
            Job job = new Job(name + "-payments", name + "-balances", Files.createTempFile(name, ".log"));
            broker.createTopic(job.in, 4);
            broker.createTopic(job.out, 4);
            return job;
        }
    }

    private static Map<TopicPartition, Long> committedOffsets(Admin admin, String group) throws Exception {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get()
                .forEach((partition, offset) -> {
                    if (offset != null) {
                        offsets.put(partition, offset.offset());
                    }
                });
        return offsets;
    }

    private static boolean allCommittedPast(
            Map<TopicPartition, Long> now, Map<TopicPartition, Long> before, String topic, int partitions) {
        for (int i = 0; i < partitions; i++) {
            TopicPartition partition = new TopicPartition(topic, i);
            if (now.getOrDefault(partition, -1L) <= before.getOrDefault(partition, -1L)) {
                return false;
            }
        }
        return true;
    }

    /** How many partitions the group's members own, together. */
    private static int ownedPartitions(Admin admin, String group) throws Exception {
        return admin.describeConsumerGroups(List.of(group)).all().get().get(group).members().stream()
                .mapToInt(member -> member.assignment().topicPartitions().size())
                .sum();
    }

    private static void awaitCommittedGrowth(Admin admin, String group, long records, Duration within, Path log)
            throws Exception {
        long target = KafkaLedger.committedRecords(admin, group) + records;
        try {
            await("the group " + group + " committing " + records + " more records")
                    .atMost(within)
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> KafkaLedger.committedRecords(admin, group) >= target);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "\n" + LedgerInstance.tail(log), e);
        }
    }
}
