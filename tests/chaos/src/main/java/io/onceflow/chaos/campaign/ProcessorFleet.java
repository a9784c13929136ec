package io.onceflow.chaos.campaign;

import io.onceflow.chaos.ledger.LedgerVariant;
import io.onceflow.chaos.processor.CrashSwitch;
import io.onceflow.chaos.processor.LedgerProcessor;
import io.onceflow.chaos.processor.ProcessorLines;
import io.onceflow.chaos.processor.ProcessorSettings;
import io.onceflow.core.ProtocolPoint;
import io.onceflow.testinfra.ChildProcesses;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The campaign's processors: child JVMs, started, supervised, armed, killed, frozen and thawed.
 *
 * <p>Every processor is started through {@link ChildProcesses}, so it has a pid file and dies with this JVM, even a
 * killed one. {@link #supervise()}, called every few hundred milliseconds, reads the processors' logs, notices the
 * ones that died, counts why (the exit code of a halt names its protocol point), and starts them again after a short
 * random pause, armed with the next protocol point due for their job, if any. So an armed crash leads to the next
 * one: each job walks through all of its points, as many rounds as the profile asks.
 *
 * <p>The jobs' consumer groups take the profile's group protocols in turn (the classic protocol and KIP-848's consumer
 * protocol in the smoke and long profiles), which job gets which decided by the seed.
 *
 * <p>Each processor's output (every incarnation, appended, with a header line) is in {@code <job>-<instance>.log}.
 */
final class ProcessorFleet implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("io.onceflow.chaos");

    /** How long a thawed zombie is watched for its fencing. */
    private static final Duration ZOMBIE_WATCH = Duration.ofSeconds(90);

    /** How long a processor killed to move its partitions stays away: past its session timeout (6 s). */
    private static final Duration LONG_ABSENCE = Duration.ofSeconds(12);

    /** How long an unarmed processor runs before it is killed to come back armed with a point still due. */
    private static final Duration ARMING_DELAY = Duration.ofSeconds(5);

    /** How long a processor armed for a rebalance waits before the fleet causes one. */
    private static final Duration REBALANCE_NUDGE = Duration.ofSeconds(25);

    private final Path directory;
    private final String bootstrapServers;
    private final String r2dbcUrl;
    private final CampaignStats stats;
    private final Random random;
    private final long shapeSeed;
    private final int shapeCount;
    private final long started;
    private final List<FleetProcessor> instances = new ArrayList<>();
    private final ArmingPlan plan;

    /** Each job's consumer group protocol: the jobs of a campaign alternate, from a seeded start. */
    private final Map<LedgerVariant, GroupProtocol> protocols = new EnumMap<>(LedgerVariant.class);

    private boolean closed;

    ProcessorFleet(
            Path directory,
            String bootstrapServers,
            String r2dbcUrl,
            CampaignProfile profile,
            CampaignStats stats,
            Random random,
            long started) {
        this.started = started;
        this.directory = directory;
        this.bootstrapServers = bootstrapServers;
        this.r2dbcUrl = r2dbcUrl;
        this.stats = stats;
        this.random = random;
        this.shapeSeed = profile.seed();
        this.shapeCount = profile.shapes();
        int firstProtocol = random.nextInt(2);
        this.plan = new ArmingPlan(profile.variants(), profile.armedRounds(), random);
        for (LedgerVariant variant : profile.variants()) {
            List<GroupProtocol> cycle = profile.groupProtocols();
            GroupProtocol protocol = cycle.get((firstProtocol + protocols.size()) % cycle.size());
            protocols.put(variant, protocol);
            stats.groupProtocol(variant, protocol);
            for (int i = 0; i < profile.instances(); i++) {
                String id = String.valueOf(i);
                instances.add(
                        new FleetProcessor(variant, id, directory.resolve(variant.pipeline() + "-" + id + ".log")));
            }
        }
    }

    /** Starts every processor; the first of each job armed with its first point. */
    synchronized void startAll() {
        ChildProcesses.reapOrphansOnce();
        for (FleetProcessor instance : instances) {
            start(instance);
        }
    }

    // ---- supervision ----

    /** Reads the logs, restarts the dead, and causes a rebalance where an armed processor waits for one. */
    synchronized void supervise() {
        long now = System.nanoTime();
        for (FleetProcessor instance : instances) {
            readLog(instance);
            Process process = instance.process;
            if (process != null && !process.isAlive() && !instance.frozen) {
                exited(instance, process);
            }
            if (instance.process == null && !closed && now >= instance.restartAt) {
                start(instance);
            }
        }
        nudgeRebalances(now);
        rearm(now);
    }

    private void exited(FleetProcessor instance, Process process) {
        int code = process.exitValue();
        ChildProcesses.forget(process);
        readLog(instance);
        ProtocolPoint halted = CrashSwitch.pointOf(code);
        if (halted != null) {
            // halted at its point, even if our SIGKILL came after (a CI run counted that as the kill, not the point)
            stats.killed(instance.variant, "halt at " + halted);
            LOG.info("{} {} halted at {}", clock(), instance.name(), halted);
        } else if (instance.killedByUs) { // counted when killed
        } else if (code == LedgerProcessor.STOPPED_EXIT_CODE) {
            LOG.info("{} {} stopped by itself", clock(), instance.name());
        } else {
            stats.exitedUnexpectedly(instance.variant, instance.name() + " with exit code " + code);
            LOG.warn(
                    "{} {} exited with code {}: {}",
                    clock(),
                    instance.name(),
                    code,
                    LogFollower.tail(instance.log, 20));
        }
        ProtocolPoint armed = instance.armed;
        if (armed != null && armed != halted) {
            plan.giveBack(instance.variant, armed); // it died before its point: someone else gets it
        }
        instance.process = null;
        instance.armed = null;
        instance.killedByUs = false;
        instance.zombieWatchUntil = 0;
        instance.restartAt = Math.max(
                System.nanoTime()
                        + Duration.ofMillis(300 + random.nextInt(1_700)).toNanos(),
                instance.restartNotBefore);
        instance.restartNotBefore = 0;
    }

    private void readLogs() {
        instances.forEach(this::readLog);
    }

    private void readLog(FleetProcessor instance) {
        for (String line : instance.follower.newLines()) {
            int at = line.indexOf(ProcessorLines.PREFIX);
            if (at < 0) {
                continue;
            }
            String[] words = line.substring(at + ProcessorLines.PREFIX.length()).split(" ", 2);
            String detail = words.length > 1 ? words[1] : "";
            boolean rebalancePointBefore = instance.lastLineRebalancePoint;
            instance.lastLineRebalancePoint = false;
            switch (words[0]) {
                case ProcessorLines.POINT -> {
                    if (detail.startsWith(ProtocolPoint.DURING_REBALANCE.name())) {
                        stats.rebalanced(instance.variant);
                        instance.lastLineRebalancePoint = true;
                    } else {
                        stats.restored(instance.variant);
                        instance.owns = true;
                        instance.claims++;
                    }
                }
                case ProcessorLines.RESTART -> {
                    instance.owns = false;
                    stats.restarted(instance.variant);
                    zombieFenced(instance, "restarted after: " + detail);
                }
                case ProcessorLines.FAILED -> {
                    instance.owns = false;
                    stats.checkpointFailed(instance.variant);
                    zombieFenced(instance, "checkpoint failed: " + detail);
                }
                case ProcessorLines.STOPPED -> {
                    instance.owns = false;
                    stats.stoppedByItself(instance.variant, instance.name() + ": " + detail);
                    zombieFenced(instance, "stopped: " + detail);
                }
                case ProcessorLines.HALT -> {
                    // a halt during a rebalance of one of the generated shapes' pipelines prints no point line of the
                    // ledger's, but partitions moved away from the processor all the same (a CI run counted none)
                    if (detail.startsWith(ProtocolPoint.DURING_REBALANCE.name()) && !rebalancePointBefore) {
                        stats.rebalanced(instance.variant);
                    }
                }
                default -> {
                    // started: known from the process
                }
            }
        }
    }

    /** A thawed zombie's first failure is its fencing: its stale work was refused, whatever refused it. */
    private void zombieFenced(FleetProcessor instance, String how) {
        if (instance.zombieWatchUntil != 0 && System.nanoTime() < instance.zombieWatchUntil) {
            instance.zombieWatchUntil = 0;
            stats.fenced(instance.variant, instance.name() + " " + how);
            LOG.info("{} {} fenced: {}", clock(), instance.name(), shorten(how));
        }
    }

    /**
     * A processor armed to crash during a rebalance needs one: when it has waited long enough, another processor of
     * its job is killed, whose return makes the group move partitions away from it.
     */
    private void nudgeRebalances(long now) {
        for (FleetProcessor armed : instances) {
            if (armed.armed != ProtocolPoint.DURING_REBALANCE
                    || !armed.running()
                    || now - Math.max(armed.upSince, armed.nudgedAt) < REBALANCE_NUDGE.toNanos()) {
                continue;
            }
            // never a thawed zombie while it is watched: killed before it shows its fencing, it would be a zombie
            // planned and not carried out (a CI run killed one the moment it was thawed)
            // and never one back from the previous nudge before it had the time to join the group: under load a
            // processor took longer to start than the nudge period, so that the armed one's partitions never moved
            // and the two killed each other until the round's deadline (a long round did, for ten minutes)
            List<FleetProcessor> running = instances.stream()
                    .filter(i -> i != armed && i.variant == armed.variant && i.running())
                    .filter(i -> i.zombieWatchUntil == 0 || now >= i.zombieWatchUntil)
                    .filter(i -> now - i.upSince >= REBALANCE_NUDGE.toNanos())
                    .toList();
            // an unarmed victim if there is one; otherwise an armed one, whose point goes back to the queue: with
            // every processor of a job armed for a rebalance, sparing the armed ones would wait for ever
            List<FleetProcessor> unarmed =
                    running.stream().filter(i -> i.armed == null).toList();
            List<FleetProcessor> others = unarmed.isEmpty() ? running : unarmed;
            if (!others.isEmpty()) {
                armed.nudgedAt = now;
                FleetProcessor victim = others.get(random.nextInt(others.size()));
                LOG.info("{} {} waits for a rebalance: killing {}", clock(), armed.name(), victim.name());
                // back only once the group has given the armed one its partitions, which it must then give back
                kill(victim, LONG_ABSENCE, CampaignStats.REBALANCE_KILL);
            }
        }
    }

    /**
     * A job with points still due but none of its processors armed or about to start gets one armed: a running
     * unarmed processor is SIGKILLed and comes back armed. Points are armed only when a processor starts, so without
     * this a job whose processors all restarted unarmed (while the campaign waited to place a zombie) would keep its
     * points for ever: a CI run ran out of time with two points due and both processors up, unarmed and healthy.
     */
    private void rearm(long now) {
        for (LedgerVariant variant : protocols.keySet()) {
            ProtocolPoint next = plan.next(variant);
            if (next == null) {
                continue;
            }
            boolean coming =
                    instances.stream().anyMatch(i -> i.variant == variant && (i.armed != null || i.process == null));
            if (coming) {
                continue;
            }
            List<FleetProcessor> fit = instances.stream()
                    .filter(i -> i.variant == variant && i.running() && i.zombieWatchUntil == 0)
                    .filter(i -> now - i.upSince > ARMING_DELAY.toNanos())
                    .toList();
            if (!fit.isEmpty()) {
                FleetProcessor victim = fit.get(random.nextInt(fit.size()));
                LOG.info("{} {} due for {}, none armed: SIGKILL {}", clock(), variant, next, victim.name());
                kill(victim, Duration.ZERO, CampaignStats.ARMING_KILL);
            }
        }
    }

    // ---- faults ----

    /** SIGKILLs a random running processor of {@code variant}, not a thawed zombie; false when none is fit. */
    synchronized boolean killRandom(LedgerVariant variant) {
        List<FleetProcessor> candidates = instances.stream()
                .filter(i -> i.variant == variant && i.running() && i.zombieWatchUntil == 0)
                .filter(i ->
                        System.nanoTime() - i.upSince > Duration.ofSeconds(3).toNanos())
                .toList();
        if (candidates.isEmpty()) {
            return false;
        }
        FleetProcessor victim = candidates.get(random.nextInt(candidates.size()));
        // a quarter of them stay away past the session timeout: their partitions move, and move back
        boolean away = random.nextInt(4) == 0;
        LOG.info("{} SIGKILL {}{}", clock(), victim.name(), away ? ", back in 12 s" : "");
        kill(victim, away ? LONG_ABSENCE : Duration.ZERO, CampaignStats.RANDOM_KILL);
        return true;
    }

    private void kill(FleetProcessor victim, Duration absence, String kind) {
        Process process = victim.process;
        if (process == null) {
            return;
        }
        victim.killedByUs = true;
        victim.restartNotBefore = System.nanoTime() + absence.toNanos();
        ChildProcesses.kill(process);
        stats.killed(victim.variant, kind);
    }

    /**
     * Freezes (SIGSTOP) a random unarmed processor of {@code variant} that has been up for a while and whose pipeline
     * holds partitions (a processor frozen while it rejoins its group has no stale work to be refused); empty when
     * none is fit.
     *
     * <p>When none is fit, the job's processors restart unarmed from then on until one is frozen: on a loaded machine,
     * with every processor of a job armed or just restarted after its halt, a zombie could otherwise wait for a fit
     * processor longer than the campaign lasts (a CI run planned one and carried out none). The armed points wait in
     * their queue meanwhile.
     */
    synchronized Optional<FleetProcessor> freeze(LedgerVariant variant) {
        readLogs();
        List<FleetProcessor> candidates = instances.stream()
                .filter(i -> i.variant == variant && i.running() && i.armed == null && i.owns)
                .filter(i ->
                        System.nanoTime() - i.upSince > Duration.ofSeconds(15).toNanos())
                .toList();
        if (candidates.isEmpty()) {
            if (plan.wantZombie(variant)) {
                LOG.info("{} no {} processor fit to freeze: restarting them unarmed until one is", clock(), variant);
            }
            return Optional.empty();
        }
        plan.zombieDone(variant);
        FleetProcessor zombie = candidates.get(random.nextInt(candidates.size()));
        ChildProcesses.stop(zombie.process);
        zombie.frozen = true;
        stats.frozen(variant);
        LOG.info("{} SIGSTOP {}", clock(), zombie.name());
        return Optional.of(zombie);
    }

    /** Gives up waiting for a processor of {@code variant} to freeze: its processors are armed again. */
    synchronized void noZombie(LedgerVariant variant) {
        plan.zombieDone(variant);
    }

    /** The claims made so far by the processors of {@code zombie}'s job other than it. */
    synchronized int claimsBesides(FleetProcessor zombie) {
        readLogs();
        return instances.stream()
                .filter(i -> i != zombie && i.variant == zombie.variant)
                .mapToInt(i -> i.claims)
                .sum();
    }

    /** Thaws (SIGCONT) a zombie {@link #freeze} returned, and watches for its fencing. */
    synchronized void thaw(FleetProcessor zombie) {
        Process process = zombie.process;
        if (process != null && process.isAlive()) {
            ChildProcesses.resume(process);
        }
        zombie.frozen = false;
        zombie.zombieWatchUntil = System.nanoTime() + ZOMBIE_WATCH.toNanos();
        LOG.info("{} SIGCONT {}", clock(), zombie.name());
    }

    // ---- state ----

    /** Whether every armed crash of {@code variant} has happened. */
    synchronized boolean armedCrashesDone(LedgerVariant variant) {
        return plan.exhausted(variant) && instances.stream().noneMatch(i -> i.variant == variant && i.armed != null);
    }

    /** The points still due, for a failure message. */
    synchronized String armedCrashesLeft() {
        StringBuilder left = new StringBuilder(plan.left());
        instances.stream()
                .filter(i -> i.armed != null)
                .forEach(i -> left.append(", ")
                        .append(i.name())
                        .append(" armed with ")
                        .append(i.armed));
        return left.toString();
    }

    /** From now on processors start unarmed; an armed one still up may yet halt, and comes back unarmed. */
    synchronized void stopArming() {
        plan.stop();
    }

    /** Whether every processor is up. */
    synchronized boolean allRunning() {
        return instances.stream().allMatch(FleetProcessor::running);
    }

    /** The last lines of every processor's log. */
    synchronized String logTails(int lines) {
        StringBuilder text = new StringBuilder();
        for (FleetProcessor instance : instances) {
            text.append("\n--- ").append(instance.log).append('\n').append(LogFollower.tail(instance.log, lines));
        }
        return text.toString();
    }

    /**
     * Writes a thread dump of every running processor next to its log ({@code <job>-<instance>.threads.txt}), for a
     * campaign that is failing because something stopped moving.
     */
    synchronized void dumpThreads() {
        for (FleetProcessor instance : instances) {
            Process process = instance.process;
            if (process == null || !process.isAlive() || instance.frozen) {
                continue;
            }
            try {
                ProcessorJvm.dumpThreads(
                        process, directory.resolve(instance.variant.pipeline() + "-" + instance.id + ".threads.txt"));
            } catch (IOException e) {
                LOG.warn("no thread dump of {}: {}", instance.name(), e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** SIGKILLs every processor, for good. */
    @Override
    public synchronized void close() {
        closed = true;
        for (FleetProcessor instance : instances) {
            Process process = instance.process;
            if (process != null) {
                ChildProcesses.kill(process);
                instance.process = null;
            }
        }
    }

    // ---- starting ----

    private void start(FleetProcessor instance) {
        ProcessorSettings settings = ProcessorSettings.of(instance.variant, bootstrapServers, r2dbcUrl, instance.id)
                .withShapes(shapeSeed, instance.runsShapes() ? shapeCount : 0)
                .withGroupProtocol(protocols.get(instance.variant));
        ProtocolPoint point = plan.take(instance.variant);
        if (point != null) {
            settings = settings.crashingAt(point, occurrence(point));
        }
        String incarnation = "=== " + LocalTime.now() + " incarnation of " + instance.name()
                + (point == null ? "" : " armed at " + point + ":" + settings.crashAfter());
        instance.process = ProcessorJvm.start(settings, directory, instance.log, incarnation, instance.name());
        instance.upSince = System.nanoTime();
        instance.owns = false;
        instance.armed = point;
        instance.killedByUs = false;
        stats.started(instance.variant);
        if (point != null) {
            LOG.info("{} {} started, armed at {}:{}", clock(), instance.name(), point, settings.crashAfter());
        }
    }

    /** At which occurrence an armed point halts: a few checkpoints in, or the first rebalance or restore. */
    private int occurrence(ProtocolPoint point) {
        return switch (point) {
            case DURING_REBALANCE, DURING_RESTORE -> 1;
            default -> 3 + random.nextInt(20);
        };
    }

    private String clock() {
        return ExactlyOnceCampaign.clock(started);
    }

    private static String shorten(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }
}
