package io.onceflow.chaos.campaign;

import static java.util.Objects.requireNonNull;

import io.onceflow.chaos.ledger.LedgerVariant;
import io.onceflow.chaos.processor.ProcessorSettings;
import io.onceflow.chaos.shapes.ShapeVerdict;
import io.onceflow.chaos.verify.InputLog;
import io.onceflow.chaos.verify.LedgerVerifier;
import io.onceflow.chaos.verify.OpenTransactions;
import io.onceflow.chaos.verify.Verdict;
import io.onceflow.sinks.r2dbc.OnceflowTables;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.KafkaCluster;
import io.onceflow.testinfra.PostgresDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The campaign driver: runs the ledger jobs' processors on a real broker and a real database, with the generated
 * shapes beside the ledger ({@link ShapeCampaign}), breaks everything it can while payments and the shapes' input
 * flow, lets the jobs catch up, and hands the outputs to the {@link LedgerVerifier} and the shapes' verifier.
 *
 * <pre>
 *   set up     topics, tables; the producer starts pacing the payments over the production time
 *   chaos      processors (child JVMs) run, each job's processors crash in turn at every armed protocol point;
 *              on a schedule: SIGKILLs at random moments, zombies (SIGSTOP past the session timeout, then SIGCONT),
 *              broker bounces (SIGKILL, restart on the same data), PostgreSQL connection kills;
 *              the supervisor restarts whatever died
 *   drain      once every fault has happened, the last payments go, nothing is armed any more, and the jobs catch up
 *              (their committed positions reach the input's end)
 *   verify     open transactions are looked for while the processors still run; then they are killed and the
 *              verifier reads the input and the outputs
 * </pre>
 *
 * <p>A campaign that cannot finish (a job that never catches up, a point never reached) fails with the processors'
 * log tails; their full logs are in the campaign's directory.
 */
public final class ExactlyOnceCampaign {

    private static final Logger LOG = LoggerFactory.getLogger("io.onceflow.chaos");
    private static final Duration SUPERVISION = Duration.ofMillis(200);
    private static final Duration FAULT_GAP = Duration.ofSeconds(4);

    private final CampaignProfile profile;
    private final KafkaBroker broker;
    private final PostgresDatabase database;
    private final Path directory;
    private final Duration sessionTimeout = ProcessorSettings.DEFAULT_SESSION_TIMEOUT;

    /**
     * @param broker a broker that can be killed ({@code BrokerMode.CHILD_PROCESS}); a {@link KafkaCluster} of
     *     {@link CampaignProfile#brokerNodes()} nodes where there are 2
     * @param database a fresh database
     * @param directory where the processors' logs and the report go
     */
    public ExactlyOnceCampaign(CampaignProfile profile, KafkaBroker broker, PostgresDatabase database, Path directory) {
        if (profile.brokerBounces() > 0 && !broker.isKillable()) {
            throw new IllegalArgumentException("broker bounces need a broker in a child process, not " + broker);
        }
        int nodes = broker instanceof KafkaCluster cluster ? cluster.nodes() : 1;
        if (nodes != profile.brokerNodes()) {
            throw new IllegalArgumentException(
                    "the profile runs on " + profile.brokerNodes() + " Kafka nodes, not on " + broker);
        }
        this.profile = profile;
        this.broker = broker;
        this.database = database;
        this.directory = directory;
    }

    /** A fault the schedule holds, due at a time since the start. */
    private record Fault(Duration at, String kind, @Nullable LedgerVariant variant) {}

    /** Runs the campaign; returns what it did and what the verifier found. */
    public CampaignResult run() throws Exception {
        long start = System.nanoTime();
        clean(directory);
        Random random = new Random(profile.seed());
        ShapeCampaign shapes = new ShapeCampaign(profile, broker, database, directory);
        setUp();
        shapes.setUp();
        CampaignStats stats = new CampaignStats(profile.variants());
        PaymentProducer producer = new PaymentProducer(
                broker.bootstrapServers(),
                profile.payments(),
                profile.accounts(),
                profile.production(),
                random.nextLong());
        Thread producing = new Thread(producer, "campaign-producer");
        producing.setDaemon(true);
        LedgerVerifier verifier = new LedgerVerifier(broker.bootstrapServers(), database::openConnection);
        long deadline = start + profile.deadline().toNanos();
        AtomicReference<@Nullable Throwable> faultFailure = new AtomicReference<>();
        List<Fault> faults = schedule(random);
        Random faultRandom = new Random(random.nextLong());
        LOG.info(
                "{} campaign '{}' (seed {}): {} payments over {} s, jobs {} with {} processors each, {} faults"
                        + " scheduled, {} armed crashes",
                clock(start),
                profile.name(),
                profile.seed(),
                profile.payments(),
                profile.production().toSeconds(),
                profile.variants(),
                profile.instances(),
                faults.size(),
                profile.plannedKills()
                        - profile.randomKills() * profile.variants().size());

        try (ProcessorFleet fleet = new ProcessorFleet(
                directory,
                broker.bootstrapServers(),
                database.r2dbcUrl(),
                profile,
                stats,
                new Random(random.nextLong()),
                start)) {
            Thread faulting = new Thread(
                    () -> runFaults(faults, fleet, start, stats, faultRandom, faultFailure), "campaign-faults");
            faulting.setDaemon(true);
            try {
                return runCampaign(
                        fleet, faulting, producing, producer, shapes, verifier, stats, faultFailure, start, deadline);
            } finally {
                faulting.interrupt();
            }
        } finally {
            producer.stop();
            shapes.stop();
        }
    }

    private CampaignResult runCampaign(
            ProcessorFleet fleet,
            Thread faulting,
            Thread producing,
            PaymentProducer producer,
            ShapeCampaign shapes,
            LedgerVerifier verifier,
            CampaignStats stats,
            AtomicReference<@Nullable Throwable> faultFailure,
            long start,
            long deadline)
            throws Exception {
        producing.start();
        shapes.startFeeding();
        fleet.startAll();
        faulting.start();

        // chaos: until every fault has happened and every armed processor has crashed
        boolean released = false;
        while (!released || !producer.done() || !shapes.fed()) {
            fleet.supervise();
            Throwable failure = faultFailure.get();
            if (failure != null) {
                throw new IllegalStateException("a fault could not be carried out", failure);
            }
            if (!released && !faulting.isAlive() && armedCrashesDone(fleet)) {
                released = true;
                fleet.stopArming();
                producer.release();
                LOG.info("{} every fault done: the last payments go, the jobs drain", clock(start));
            }
            failIfLate(deadline, "the chaos did not finish: " + fleet.armedCrashesLeft(), fleet, producer);
            Thread.sleep(SUPERVISION.toMillis());
        }
        long chaosEnd = System.nanoTime();

        // drain: every job's committed positions reach the end of the input
        long[] ends = inputEnds();
        LOG.info(
                "{} {} payments produced ({} failed sends); waiting for the jobs to catch up",
                clock(start),
                producer.acknowledged(),
                producer.failed());
        while (!caughtUp(verifier, ends)) {
            fleet.supervise();
            failIfLate(deadline, "the jobs did not catch up with the input " + Arrays.toString(ends), fleet, producer);
            Thread.sleep(1_000);
        }
        List<String> behind = shapes.behind();
        while (!behind.isEmpty()) {
            fleet.supervise();
            failIfLate(deadline, "shapes did not catch up with their input: " + behind, fleet, producer);
            Thread.sleep(1_000);
            behind = shapes.behind();
        }
        fleet.supervise();
        long drainEnd = System.nanoTime();
        LOG.info("{} caught up; looking for open transactions", clock(start));
        OpenTransactions open = verifier.openTransactions(profile.variants(), Duration.ofSeconds(60));
        fleet.close();

        LOG.info("{} verifying", clock(start));
        InputLog input = verifier.readInput();
        List<Verdict> verdicts = new ArrayList<>();
        for (LedgerVariant variant : profile.variants()) {
            verdicts.add(verifier.verify(variant, input));
        }
        List<ShapeVerdict> shapeVerdicts = shapes.verify();
        faulting.join(10_000);
        CampaignResult result = new CampaignResult(
                profile,
                stats.snapshot(),
                verdicts,
                shapeVerdicts,
                open,
                input.anomalies(),
                producer.acknowledged(),
                producer.failed(),
                Duration.ofNanos(chaosEnd - start),
                Duration.ofNanos(drainEnd - chaosEnd),
                Duration.ofNanos(System.nanoTime() - start),
                directory);
        Files.writeString(directory.resolve("report.txt"), CampaignTable.render(result), StandardCharsets.UTF_8);
        return result;
    }

    private boolean armedCrashesDone(ProcessorFleet fleet) {
        return profile.variants().stream().allMatch(fleet::armedCrashesDone);
    }

    private void failIfLate(long deadline, String what, ProcessorFleet fleet, PaymentProducer producer) {
        if (System.nanoTime() > deadline) {
            fleet.dumpThreads();
            throw new AssertionError("campaign '" + profile.name() + "' ran out of time (" + profile.deadline() + "): "
                    + what + "; payments produced " + producer.acknowledged() + "; logs and thread dumps in "
                    + directory
                    + fleet.logTails(30));
        }
    }

    // ---- set-up ----

    /** An empty directory: the logs of an earlier campaign would be read as this one's. */
    private static void clean(Path directory) throws IOException {
        Files.createDirectories(directory);
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
        }
    }

    private void setUp() throws Exception {
        broker.createTopic(LedgerVariant.INPUT_TOPIC, profile.partitions());
        List<String> ddl = new ArrayList<>(OnceflowTables.defaults().ddl());
        for (LedgerVariant variant : profile.variants()) {
            if (variant.kafkaCommitPoint()) {
                broker.createTopic(variant.entriesTopic(), profile.partitions());
            }
            ddl.addAll(variant.ddl());
        }
        for (String statement : ddl) {
            database.execute(statement);
        }
    }

    // ---- faults ----

    /** The faults, at random times within the first 85 % of the production time, after a 20 s warm-up. */
    private List<Fault> schedule(Random random) {
        List<String> kinds = new ArrayList<>();
        List<LedgerVariant> targets = new ArrayList<>();
        for (LedgerVariant variant : profile.variants()) {
            for (int i = 0; i < profile.randomKills(); i++) {
                kinds.add("kill");
                targets.add(variant);
            }
            for (int i = 0; i < profile.zombies(); i++) {
                kinds.add("zombie");
                targets.add(variant);
            }
        }
        List<Fault> faults = new ArrayList<>();
        long from = Duration.ofSeconds(20).toMillis();
        long to = Math.max(from + 1, (long) (profile.production().toMillis() * 0.85));
        for (int i = 0; i < kinds.size(); i++) {
            faults.add(new Fault(
                    Duration.ofMillis(from + (long) (random.nextDouble() * (to - from))),
                    kinds.get(i),
                    targets.get(i)));
        }
        for (int i = 0; i < profile.brokerBounces(); i++) {
            faults.add(new Fault(Duration.ofMillis(from + (long) (random.nextDouble() * (to - from))), "bounce", null));
        }
        for (int i = 0; i < profile.nodeBounces(); i++) {
            faults.add(new Fault(Duration.ofMillis(from + (long) (random.nextDouble() * (to - from))), "node", null));
        }
        for (int i = 0; i < profile.serverRestarts(); i++) {
            faults.add(new Fault(Duration.ofMillis(from + (long) (random.nextDouble() * (to - from))), "server", null));
        }
        for (int i = 0; i < profile.connectionKills(); i++) {
            faults.add(new Fault(
                    Duration.ofMillis(from + (long) (random.nextDouble() * (to - from))), "connections", null));
        }
        Collections.shuffle(faults, random);
        faults.sort((a, b) -> a.at().compareTo(b.at()));
        return faults;
    }

    /** On the fault thread: each fault at its time, one after the other (a zombie or a bounce takes a while). */
    private void runFaults(
            List<Fault> faults,
            ProcessorFleet fleet,
            long start,
            CampaignStats stats,
            Random random,
            AtomicReference<@Nullable Throwable> failure) {
        try {
            long notBefore = 0;
            for (Fault fault : faults) {
                // a fault that comes due during a long one waits a little after it: a zombie thawed and killed at
                // once would show nothing of its fencing
                long due = Math.max(start + fault.at().toNanos(), notBefore);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000);
                }
                carryOut(fault, fleet, start, stats, random);
                notBefore = System.nanoTime() + FAULT_GAP.toNanos();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            failure.set(e);
        }
    }

    private void carryOut(Fault fault, ProcessorFleet fleet, long start, CampaignStats stats, Random random)
            throws Exception {
        switch (fault.kind()) {
            case "kill" -> {
                LedgerVariant variant = requireNonNull(fault.variant());
                long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (!fleet.killRandom(variant) && System.nanoTime() < until) {
                    Thread.sleep(1_000);
                }
            }
            case "zombie" -> {
                LedgerVariant variant = requireNonNull(fault.variant());
                // long enough for an armed processor to reach its point and come back unarmed (see freeze)
                long until = System.nanoTime() + Duration.ofSeconds(180).toNanos();
                Optional<FleetProcessor> zombie = fleet.freeze(variant);
                while (zombie.isEmpty() && System.nanoTime() < until) {
                    Thread.sleep(1_000);
                    zombie = fleet.freeze(variant);
                }
                if (zombie.isEmpty()) {
                    fleet.noZombie(variant);
                    LOG.warn("{} no {} processor was fit to freeze in 180 s", clock(start), variant);
                } else {
                    int claimsBefore = fleet.claimsBesides(zombie.get());
                    // past the session timeout, so the group gives its partitions to another processor; sometimes
                    // past the transaction timeout (10 s) too, so the broker also aborts its open transaction
                    Thread.sleep(sessionTimeout
                            .plusMillis(2_000 + random.nextInt(6_000))
                            .toMillis());
                    // and not before another processor of the job has claimed partitions since the freeze: under
                    // load the group can take longer than that to move them (a CI run thawed a zombie 2 s past its
                    // session, whose partitions had not moved yet: it committed as their owner, and nothing of its
                    // was refused); bounded, for a job whose other processors are all down meanwhile
                    long movedBy = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (fleet.claimsBesides(zombie.get()) == claimsBefore && System.nanoTime() < movedBy) {
                        Thread.sleep(200);
                    }
                    fleet.thaw(zombie.get());
                }
            }
            case "bounce" -> {
                LOG.info("{} SIGKILL the broker", clock(start));
                broker.kill();
                // down for up to 15 s: past the clients' request timeouts (5 s) sometimes, so that checkpoints fail
                Thread.sleep(1_000 + random.nextInt(14_000));
                restartBroker(start);
                stats.brokerBounced();
            }
            case "node" -> {
                KafkaCluster cluster = (KafkaCluster) broker;
                LOG.info("{} SIGKILL Kafka node 2 (its leaders and coordinators move to node 1)", clock(start));
                cluster.killNode(2);
                // down past its session (3 s), so that node 1 takes over its partitions while the pipelines commit
                Thread.sleep(4_000 + random.nextInt(8_000));
                cluster.restartNode(2);
                stats.nodeBounced();
                LOG.info("{} Kafka node 2 is back (its preferred leaderships return within seconds)", clock(start));
            }
            case "server" -> {
                if (database.canRestartServer()) {
                    LOG.info("{} restarting the PostgreSQL server", clock(start));
                    database.restartServer(); // every connection is lost; back once it accepts connections
                    stats.serverRestarted();
                    LOG.info("{} the PostgreSQL server is back", clock(start));
                } else {
                    stats.serverRestartSkipped();
                    LOG.warn("{} the PostgreSQL server is not the tests' to restart: restart skipped", clock(start));
                }
            }
            case "connections" -> {
                int terminated = database.terminateConnections();
                stats.connectionsKilled(terminated);
                LOG.info("{} terminated {} PostgreSQL connections", clock(start), terminated);
            }
            default -> throw new IllegalStateException("unknown fault " + fault);
        }
    }

    /**
     * Restarts the broker on its ports; tries again when the start fails, which happens when a client's ephemeral port
     * took the broker's port while it was down.
     */
    private void restartBroker(long start) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                broker.restart();
                LOG.info("{} the broker is back", clock(start));
                return;
            } catch (RuntimeException e) {
                if (attempt == 5) {
                    throw e;
                }
                LOG.warn("{} the broker did not restart (attempt {}): {}", clock(start), attempt, e.toString());
                Thread.sleep(3_000);
            }
        }
    }

    // ---- progress ----

    private long[] inputEnds() {
        Properties properties = new Properties();
        properties.put("bootstrap.servers", broker.bootstrapServers());
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(LedgerVariant.INPUT_TOPIC, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(LedgerVariant.INPUT_TOPIC, info.partition()));
            }
            long[] ends = new long[partitions.size()];
            for (Map.Entry<TopicPartition, Long> end :
                    consumer.endOffsets(partitions, Duration.ofSeconds(30)).entrySet()) {
                ends[end.getKey().partition()] = end.getValue();
            }
            return ends;
        }
    }

    private boolean caughtUp(LedgerVerifier verifier, long[] ends) {
        try {
            for (LedgerVariant variant : profile.variants()) {
                long[] positions = verifier.committedPositions(variant, ends.length);
                for (int p = 0; p < ends.length; p++) {
                    if (positions[p] < ends[p]) {
                        return false;
                    }
                }
            }
            return true;
        } catch (Exception e) {
            LOG.debug("progress unknown: {}", e.toString());
            return false;
        }
    }

    /** {@code [mm:ss]} since {@code start}, for the campaign's log lines. */
    static String clock(long start) {
        long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
        return String.format("[%02d:%02d]", seconds / 60, seconds % 60);
    }
}
