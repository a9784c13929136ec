package io.onceflow.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Pipeline;
import io.onceflow.core.ProtocolPoint;
import io.onceflow.core.SourcePartition;
import io.onceflow.it.kafka.KafkaLedger.Input;
import io.onceflow.it.kafka.KafkaLedger.Payment;
import io.onceflow.kafka.KafkaSourceOptions;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.WithKafka;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.Disposable;

/**
 * A rolling restart with {@code leaveGroupOnClose(false)}, under both consumer group protocols: each of two instances
 * is stopped gracefully and started again in turn while payments keep arriving, and neither restart moves a
 * partition. The stopped instance stays in the group as a static member holding its partitions (unread meanwhile);
 * the other instance keeps reading its own and is never given the stopped one's; the restarted instance takes its
 * partitions back at once. Then one instance's run fails and restarts in its process, and again nothing moves. On a
 * real broker; the output is then checked exactly once by an independent read_committed consumer.
 *
 * <p>The session is 60 s (the consumer's {@code session.timeout.ms} under the classic protocol, the group's
 * {@code consumer.session.timeout.ms} under KIP-848's), so that the group would move a stopped member's partitions
 * only long after each restart here. With the default ({@code leaveGroupOnClose(true)}) the stopped instance leaves
 * the group when its consumer closes, and the first assertion after the stop fails: its member is gone and its
 * partitions are being moved.
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
class KafkaRollingRestartIT {

    private static final int ACCOUNTS = 300;
    private static final int SESSION_MS = 60_000;
    /** Checkpoints (of 200 ms) the other instance commits while one is stopped: time for a rebalance to show. */
    private static final int CHECKPOINTS_WHILE_STOPPED = 15;

    static {
        KafkaTestLogging.quiet();
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void aRollingRestartMovesNoPartitionAndStaysExactlyOnce(GroupProtocol protocol, KafkaBroker broker)
            throws Exception {
        String bootstrap = broker.bootstrapServers();
        String name = "rolling-" + protocol.name().toLowerCase(Locale.ROOT);
        String in = name + "-payments";
        String out = name + "-balances";
        broker.createTopic(in, 4);
        broker.createTopic(out, 4);
        Input input;
        Instance a = null;
        Instance b = null;
        try (Admin admin = KafkaLedger.admin(bootstrap);
                SteadyPayments payments = new SteadyPayments(bootstrap, in, ACCOUNTS)) {
            if (protocol == GroupProtocol.CONSUMER) {
                // KIP-848 groups take their session from the broker, or from the group's own config (set before
                // the group exists, so that its first members get it)
                ConfigResource group = new ConfigResource(ConfigResource.Type.GROUP, name);
                admin.incrementalAlterConfigs(Map.of(
                                group,
                                List.of(new AlterConfigOp(
                                        new ConfigEntry("consumer.session.timeout.ms", String.valueOf(SESSION_MS)),
                                        AlterConfigOp.OpType.SET))))
                        .all()
                        .get();
            }
            a = Instance.start(bootstrap, name, "a", in, out, protocol);
            b = Instance.start(bootstrap, name, "b", in, out, protocol);
            await("two members with two partitions each")
                    .atMost(Duration.ofMinutes(2))
                    // a group of the consumer protocol is not found until its first member joined
                    .ignoreExceptionsMatching(e -> e.getCause() instanceof GroupIdNotFoundException)
                    .until(() -> assignments(admin, name).values().stream()
                            .map(Set::size)
                            .toList()
                            .equals(List.of(2, 2)));
            a.awaitCommitted(assignments(admin, name).get(name + "-a-kafka"));
            b.awaitCommitted(assignments(admin, name).get(name + "-b-kafka"));

            a = restartWhileTheOtherRuns(admin, a, b, bootstrap, name, in, out, protocol);
            b = restartWhileTheOtherRuns(admin, b, a, bootstrap, name, in, out, protocol);
            failOneRunWhileTheOtherRuns(admin, a, b, name);

            input = payments.stop();
            KafkaLedger.awaitCaughtUp(bootstrap, name, in, Duration.ofMinutes(3));
        } finally {
            if (a != null) {
                a.run.dispose();
            }
            if (b != null) {
                b.run.dispose();
            }
        }
        KafkaLedger.assertExactlyOnce(KafkaLedger.balances(bootstrap, out), input);
    }

    /** Stops {@code stopped} gracefully, checks that nothing moved while it was gone, starts it again. */
    private static Instance restartWhileTheOtherRuns(
            Admin admin,
            Instance stopped,
            Instance other,
            String bootstrap,
            String name,
            String in,
            String out,
            GroupProtocol protocol)
            throws Exception {
        Map<String, Set<SourcePartition>> before = assignments(admin, name);
        String stoppedMember = name + "-" + stopped.id + "-kafka";
        Set<SourcePartition> itsPartitions = before.get(stoppedMember);
        int otherFrom = other.completed.size();

        stopped.pipeline.stop().block(Duration.ofMinutes(1));
        await("instance " + stopped.id + "'s run completing")
                .atMost(Duration.ofMinutes(1))
                .until(stopped.ended::isDone);
        assertThat(stopped.ended).as("a graceful stop").isCompletedWithValue(null);
        assertThat(assignments(admin, name))
                .as("the group after %s stopped: still a member, with its partitions", stoppedMember)
                .isEqualTo(before);
        await("the other instance committing while " + stoppedMember + " is stopped")
                .atMost(Duration.ofMinutes(1))
                .until(() -> other.completed.size() >= otherFrom + CHECKPOINTS_WHILE_STOPPED);

        long start = System.nanoTime();
        Instance restarted = Instance.start(bootstrap, name, stopped.id, in, out, protocol);
        // well within the 60 s session: only a member that takes its place back at once commits for them this soon
        restarted.awaitCommitted(itsPartitions, Duration.ofSeconds(40));
        System.out.printf(
                "%s committing its partitions again %d ms after its start%n",
                stoppedMember, Duration.ofNanos(System.nanoTime() - start).toMillis());
        assertThat(assignments(admin, name)).as("the group after the restart").isEqualTo(before);
        assertThat(other.completed.subList(otherFrom, other.completed.size()))
                .as("the other instance's checkpoints while %s was away and back", stoppedMember)
                .allSatisfy(
                        event -> assertThat(event.positions().partitions()).doesNotContainAnyElementsOf(itsPartitions));
        assertThat(other.pipeline.status().restarts()).isZero();
        return restarted;
    }

    /**
     * Fails one checkpoint of {@code failing}, so that its pipeline restarts the run in the same process: the new run's
     * consumer takes the old one's place (it left nothing), and again no partition moves.
     */
    private static void failOneRunWhileTheOtherRuns(Admin admin, Instance failing, Instance other, String name)
            throws Exception {
        Map<String, Set<SourcePartition>> before = assignments(admin, name);
        Set<SourcePartition> itsPartitions = before.get(name + "-" + failing.id + "-kafka");
        int otherFrom = other.completed.size();
        int failingFrom = failing.completed.size();
        failing.failNextCheckpoint.set(true);
        await("instance " + failing.id + " restarting its run")
                .atMost(Duration.ofMinutes(1))
                .until(() -> failing.pipeline.status().restarts() > 0);
        await("instance " + failing.id + " committing its partitions again")
                .atMost(Duration.ofSeconds(40))
                .until(() -> failing.completed.subList(failingFrom, failing.completed.size()).stream()
                        .anyMatch(event -> event.positions().partitions().containsAll(itsPartitions)));
        assertThat(failing.ended).as("instance " + failing.id + " ended").isNotDone();
        assertThat(assignments(admin, name))
                .as("the group after the run restarted")
                .isEqualTo(before);
        assertThat(other.completed.subList(otherFrom, other.completed.size()))
                .as("the other instance's checkpoints while %s restarted its run", failing.id)
                .allSatisfy(
                        event -> assertThat(event.positions().partitions()).doesNotContainAnyElementsOf(itsPartitions));
        assertThat(other.pipeline.status().restarts()).isZero();
    }

    /** Each static member's partitions, by its group.instance.id. */
    private static Map<String, Set<SourcePartition>> assignments(Admin admin, String group) throws Exception {
        return admin.describeConsumerGroups(List.of(group)).all().get().get(group).members().stream()
                .collect(Collectors.toMap(
                        member -> member.groupInstanceId().orElse(member.consumerId()),
                        KafkaRollingRestartIT::partitionsOf));
    }

    private static Set<SourcePartition> partitionsOf(MemberDescription member) {
        return member.assignment().topicPartitions().stream()
                .map(partition -> new SourcePartition(partition.topic(), partition.partition()))
                .collect(Collectors.toSet());
    }

    /** One running instance of the ledger job, in this JVM, and the checkpoints it completed. */
    private record Instance(
            String id,
            Pipeline pipeline,
            Disposable run,
            List<CheckpointEvent> completed,
            CompletableFuture<Throwable> ended,
            AtomicBoolean failNextCheckpoint) {

        static Instance start(String bootstrap, String name, String id, String in, String out, GroupProtocol protocol) {
            KafkaSourceOptions.Builder<Payment> options =
                    KafkaLedger.sourceOptions(bootstrap, in, protocol).leaveGroupOnClose(false);
            KafkaSourceOptions<Payment> source = protocol == GroupProtocol.CLASSIC
                    ? options.consumerProperty("session.timeout.ms", SESSION_MS).build()
                    : options.build();
            AtomicBoolean failNextCheckpoint = new AtomicBoolean();
            Pipeline pipeline = KafkaLedger.ledger(
                    KafkaLedger.pipeline(name, id, new SimpleMeterRegistry()).protocolListener((point, checkpoint) -> {
                        if (point == ProtocolPoint.AFTER_FLUSH && failNextCheckpoint.compareAndSet(true, false)) {
                            throw new IllegalStateException("injected: checkpoint " + checkpoint + " fails");
                        }
                    }),
                    source,
                    KafkaLedger.sinkOptions(bootstrap).build(),
                    out,
                    flux -> flux);
            List<CheckpointEvent> completed = new CopyOnWriteArrayList<>();
            CompletableFuture<Throwable> ended = new CompletableFuture<>();
            Disposable run = pipeline.run()
                    .subscribe(
                            event -> {
                                if (event.completed()) {
                                    completed.add(event);
                                }
                            },
                            ended::complete,
                            () -> ended.complete(null));
            return new Instance(id, pipeline, run, completed, ended, failNextCheckpoint);
        }

        void awaitCommitted(Set<SourcePartition> partitions) {
            awaitCommitted(partitions, Duration.ofMinutes(1));
        }

        /** Waits for a checkpoint of this instance that moved every one of {@code partitions} on. */
        void awaitCommitted(Set<SourcePartition> partitions, Duration within) {
            assertThat(partitions).isNotEmpty();
            await("instance " + id + " committing " + partitions)
                    .atMost(within)
                    .until(() -> ended.isDone()
                            || completed.stream()
                                    .anyMatch(event ->
                                            event.positions().partitions().containsAll(partitions)));
            assertThat(ended).as("instance " + id + " ended").isNotDone();
        }
    }
}
