package io.onceflow.chaos.campaign;

import io.onceflow.chaos.ledger.LedgerVariant;
import io.onceflow.chaos.shapes.ShapeVerdict;
import io.onceflow.chaos.verify.OpenTransactions;
import io.onceflow.chaos.verify.Verdict;
import io.onceflow.core.ProtocolPoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a campaign did and what the verifier found.
 *
 * @param profile the campaign's profile
 * @param stats what was done to the processors, the broker and the database, and what the processors reported
 * @param verdicts one per job
 * @param shapeVerdicts one per generated shape
 * @param openTransactions transactions left open, looked for while the processors ran, caught up
 * @param inputAnomalies what is wrong with the input itself (nothing, unless the producer failed)
 * @param produced payments the broker acknowledged
 * @param producerFailures payments whose send failed
 * @param chaosTime from the start to the last fault and armed crash, and the last payment
 * @param drainTime from then until every job caught up
 * @param wallTime the whole campaign, verification included
 * @param directory where the logs and the report are
 */
public record CampaignResult(
        CampaignProfile profile,
        CampaignStats.Snapshot stats,
        List<Verdict> verdicts,
        List<ShapeVerdict> shapeVerdicts,
        OpenTransactions openTransactions,
        List<String> inputAnomalies,
        long produced,
        long producerFailures,
        Duration chaosTime,
        Duration drainTime,
        Duration wallTime,
        Path directory) {

    public CampaignResult {
        verdicts = List.copyOf(verdicts);
        shapeVerdicts = List.copyOf(shapeVerdicts);
        inputAnomalies = List.copyOf(inputAnomalies);
    }

    /** Every job's and every shape's every output is exact, and no transaction was left open. */
    public boolean exactlyOnce() {
        return verdicts.stream().allMatch(Verdict::exact)
                && shapeVerdicts.stream().allMatch(ShapeVerdict::exact)
                && openTransactions.none();
    }

    /** Processor kills of every kind, over all jobs. */
    public int processorKills() {
        return stats.kills();
    }

    /**
     * Faults carried out, of every kind: processor kills, zombies, broker bounces, connection kills (each terminating
     * every connection of the database) and PostgreSQL server restarts.
     */
    public int faults() {
        return stats.kills()
                + zombies()
                + stats.brokerBounces()
                + stats.nodeBounces()
                + stats.connectionKills()
                + stats.serverRestarts();
    }

    /** Outputs that differ from what they must be, of every kind, over the ledger jobs and the generated shapes. */
    public long mismatches() {
        long mismatches = 0;
        for (Verdict v : verdicts) {
            mismatches += v.duplicates()
                    + v.losses()
                    + v.sequenceBreaks()
                    + v.wrongBalances()
                    + v.notProcessed()
                    + v.groupOffsetsAhead();
        }
        for (ShapeVerdict v : shapeVerdicts) {
            mismatches += v.notProcessed()
                    + v.missing()
                    + v.duplicates()
                    + v.wrong()
                    + v.extra()
                    + v.deadLetterMismatches()
                    + v.tableMismatches();
        }
        return mismatches;
    }

    /** Revocations the processors reported, over all jobs. */
    public int rebalances() {
        return stats.jobs().values().stream().mapToInt(job -> job.rebalances).sum();
    }

    /** Processors frozen past their session timeout, over all jobs. */
    public int zombies() {
        return stats.jobs().values().stream().mapToInt(job -> job.zombies).sum();
    }

    /** Zombies whose stale work was refused once thawed, over all jobs. */
    public int zombiesFenced() {
        return stats.jobs().values().stream().mapToInt(job -> job.zombiesFenced).sum();
    }

    /**
     * What the campaign did not do of what its profile asked: a protocol point not crashed at as often as planned, a
     * random kill, a zombie, a bounce or a connection kill that did not happen, a zombie not fenced, the input short.
     * Empty when the campaign was as violent as planned.
     */
    public List<String> shortfalls() {
        List<String> missing = new ArrayList<>();
        for (LedgerVariant variant : profile.variants()) {
            CampaignStats.Job job = stats.jobs().get(variant);
            for (ProtocolPoint point : variant.points()) {
                int halts = job.kills.getOrDefault("halt at " + point, 0);
                if (halts < profile.armedRounds()) {
                    missing.add(variant + ": " + halts + " crashes at " + point + ", " + profile.armedRounds()
                            + " planned");
                }
            }
            int randomKills = job.kills.getOrDefault(CampaignStats.RANDOM_KILL, 0);
            if (randomKills < profile.randomKills()) {
                missing.add(variant + ": " + randomKills + " random kills, " + profile.randomKills() + " planned");
            }
            if (job.zombies < profile.zombies()) {
                missing.add(variant + ": " + job.zombies + " zombies, " + profile.zombies() + " planned");
            }
            if (job.zombiesFenced < job.zombies) {
                missing.add(variant + ": " + job.zombiesFenced + " of " + job.zombies + " zombies seen fenced");
            }
            if (profile.instances() > 1 && job.rebalances == 0) {
                missing.add(variant + ": no rebalance");
            }
        }
        if (stats.brokerBounces() < profile.brokerBounces()) {
            missing.add(stats.brokerBounces() + " broker bounces, " + profile.brokerBounces() + " planned");
        }
        if (stats.serverRestarts() + stats.serverRestartsSkipped() < profile.serverRestarts()) {
            missing.add(
                    stats.serverRestarts() + " PostgreSQL server restarts, " + profile.serverRestarts() + " planned");
        }
        if (stats.nodeBounces() < profile.nodeBounces()) {
            missing.add(stats.nodeBounces() + " node bounces, " + profile.nodeBounces() + " planned");
        }
        if (stats.connectionKills() < profile.connectionKills()) {
            missing.add(stats.connectionKills() + " connection kills, " + profile.connectionKills() + " planned");
        }
        if (produced < profile.payments()) {
            missing.add(produced + " payments produced, " + profile.payments() + " planned");
        }
        return missing;
    }
}
