package io.onceflow.chaos.campaign;

import io.onceflow.chaos.ledger.LedgerVariant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.GroupProtocol;

/**
 * What the campaign did and what the processors reported, counted as it happens. Thread-safe: the supervisor, the
 * fault thread and the processors' logs all count here.
 */
final class CampaignStats {

    /** The kind of a processor kill by SIGKILL at a moment of the campaign's choosing. */
    static final String RANDOM_KILL = "SIGKILL at a random moment";

    /** The kind of a processor kill whose return must move partitions away from a processor armed for a rebalance. */
    static final String REBALANCE_KILL = "SIGKILL to cause a rebalance";

    /** The kind of a processor kill whose restart arms it with a protocol point still due (see ProcessorFleet). */
    static final String ARMING_KILL = "SIGKILL to arm with a due point";

    /** Counts of one job. */
    static final class Job {
        final Map<String, Integer> kills = new TreeMap<>();
        int restarts;
        int failedCheckpoints;
        int rebalances;
        int restores;
        int zombies;
        int zombiesFenced;
        int selfStops;
        int unexpectedExits;
        int incarnations;
        GroupProtocol groupProtocol = GroupProtocol.CLASSIC;
        final List<String> notes = new ArrayList<>();

        int kills() {
            return kills.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    private final Map<LedgerVariant, Job> jobs = new EnumMap<>(LedgerVariant.class);
    private int brokerBounces;
    private int nodeBounces;
    private int connectionKills;
    private int connectionsTerminated;
    private int serverRestarts;
    private int serverRestartsSkipped;

    CampaignStats(List<LedgerVariant> variants) {
        variants.forEach(variant -> jobs.put(variant, new Job()));
    }

    synchronized void killed(LedgerVariant variant, String kind) {
        jobs.get(variant).kills.merge(kind, 1, Integer::sum);
    }

    synchronized void groupProtocol(LedgerVariant variant, GroupProtocol protocol) {
        jobs.get(variant).groupProtocol = protocol;
    }

    synchronized void restarted(LedgerVariant variant) {
        jobs.get(variant).restarts++;
    }

    synchronized void checkpointFailed(LedgerVariant variant) {
        jobs.get(variant).failedCheckpoints++;
    }

    synchronized void rebalanced(LedgerVariant variant) {
        jobs.get(variant).rebalances++;
    }

    synchronized void restored(LedgerVariant variant) {
        jobs.get(variant).restores++;
    }

    synchronized void started(LedgerVariant variant) {
        jobs.get(variant).incarnations++;
    }

    synchronized void frozen(LedgerVariant variant) {
        jobs.get(variant).zombies++;
    }

    synchronized void fenced(LedgerVariant variant, String how) {
        Job job = jobs.get(variant);
        job.zombiesFenced++;
        note(job, "zombie fenced: " + how);
    }

    synchronized void stoppedByItself(LedgerVariant variant, String cause) {
        Job job = jobs.get(variant);
        job.selfStops++;
        note(job, "stopped by itself: " + cause);
    }

    synchronized void exitedUnexpectedly(LedgerVariant variant, String what) {
        Job job = jobs.get(variant);
        job.unexpectedExits++;
        note(job, "exited: " + what);
    }

    synchronized void brokerBounced() {
        brokerBounces++;
    }

    synchronized void nodeBounced() {
        nodeBounces++;
    }

    synchronized void serverRestarted() {
        serverRestarts++;
    }

    /** A planned server restart that could not be made: the server is not the tests' to restart. */
    synchronized void serverRestartSkipped() {
        serverRestartsSkipped++;
    }

    synchronized void connectionsKilled(int terminated) {
        connectionKills++;
        connectionsTerminated += terminated;
    }

    private static void note(Job job, String text) {
        if (job.notes.size() < 20) {
            job.notes.add(text.length() > 300 ? text.substring(0, 300) + "..." : text);
        }
    }

    synchronized int kills(LedgerVariant variant, String kind) {
        return jobs.get(variant).kills.getOrDefault(kind, 0);
    }

    /** A copy of the counts, for the report. */
    synchronized Snapshot snapshot() {
        Map<LedgerVariant, Job> copy = new EnumMap<>(LedgerVariant.class);
        jobs.forEach((variant, job) -> {
            Job c = new Job();
            c.kills.putAll(job.kills);
            c.restarts = job.restarts;
            c.failedCheckpoints = job.failedCheckpoints;
            c.rebalances = job.rebalances;
            c.restores = job.restores;
            c.zombies = job.zombies;
            c.zombiesFenced = job.zombiesFenced;
            c.selfStops = job.selfStops;
            c.unexpectedExits = job.unexpectedExits;
            c.incarnations = job.incarnations;
            c.groupProtocol = job.groupProtocol;
            c.notes.addAll(job.notes);
            copy.put(variant, c);
        });
        return new Snapshot(
                copy,
                brokerBounces,
                nodeBounces,
                connectionKills,
                connectionsTerminated,
                serverRestarts,
                serverRestartsSkipped);
    }

    /** The counts at one moment. */
    record Snapshot(
            Map<LedgerVariant, Job> jobs,
            int brokerBounces,
            int nodeBounces,
            int connectionKills,
            int connectionsTerminated,
            int serverRestarts,
            int serverRestartsSkipped) {

        int kills() {
            return jobs.values().stream().mapToInt(Job::kills).sum();
        }
    }
}
