package io.onceflow.chaos.campaign;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Renders the rounds of a campaign run in rounds (the long campaign) as one table: a line per round, then the totals.
 * Each round's own {@link CampaignTable} says the details. "nodes" is the round's Kafka nodes; its "bounces" count the
 * whole broker's and, on two nodes, node 2's alone.
 */
public final class RoundsTable {

    private static final String FORMAT =
            "%-9s %-21s %-5s %-17s %-7s %-9s %-6s %-7s %-5s %-8s %-6s %-6s %-7s %-9s %-10s %-9s %s%n";

    private RoundsTable() {}

    /**
     * The table of {@code rounds}, in the order they ran.
     *
     * @param seed the campaign's seed, from which every round's comes
     */
    public static String render(long seed, List<CampaignResult> rounds) {
        StringBuilder text = new StringBuilder(String.format(
                "%nOnceflow long campaign (seed %d): %d rounds, %s%n",
                seed,
                rounds.size(),
                rounds.stream().allMatch(CampaignResult::exactlyOnce) ? "EXACTLY ONCE" : "NOT EXACTLY ONCE"));
        text.append(String.format(
                FORMAT,
                "round",
                "seed",
                "procs",
                "group protocols",
                "shapes",
                "payments",
                "kills",
                "zombies",
                "nodes",
                "bounces",
                "conns",
                "server",
                "faults",
                "rebalances",
                "mismatches",
                "wall",
                "verdict"));
        int shapes = 0;
        long payments = 0;
        int kills = 0;
        int zombies = 0;
        int bounces = 0;
        int connectionKills = 0;
        int serverRestarts = 0;
        int faults = 0;
        int rebalances = 0;
        long mismatches = 0;
        Duration wall = Duration.ZERO;
        for (CampaignResult round : rounds) {
            CampaignStats.Snapshot stats = round.stats();
            text.append(String.format(
                    FORMAT,
                    round.profile().name(),
                    round.profile().seed(),
                    round.profile().instances(),
                    stats.jobs().values().stream()
                            .map(job -> job.groupProtocol.name().toLowerCase(Locale.ROOT))
                            .collect(Collectors.joining("/")),
                    round.shapeVerdicts().size(),
                    round.produced(),
                    round.processorKills(),
                    round.zombies(),
                    round.profile().brokerNodes(),
                    stats.brokerBounces() + stats.nodeBounces(),
                    stats.connectionKills(),
                    stats.serverRestarts(),
                    round.faults(),
                    round.rebalances(),
                    round.mismatches(),
                    minutes(round.wallTime()),
                    verdict(round)));
            shapes += round.shapeVerdicts().size();
            payments += round.produced();
            kills += round.processorKills();
            zombies += round.zombies();
            bounces += stats.brokerBounces() + stats.nodeBounces();
            connectionKills += stats.connectionKills();
            serverRestarts += stats.serverRestarts();
            faults += round.faults();
            rebalances += round.rebalances();
            mismatches += round.mismatches();
            wall = wall.plus(round.wallTime());
        }
        text.append(String.format(
                FORMAT,
                "total",
                "",
                "",
                "",
                shapes,
                payments,
                kills,
                zombies,
                "",
                bounces,
                connectionKills,
                serverRestarts,
                faults,
                rebalances,
                mismatches,
                minutes(wall),
                ""));
        return text.toString();
    }

    private static String verdict(CampaignResult round) {
        if (!round.exactlyOnce()) {
            return "NOT EXACTLY ONCE";
        }
        return round.shortfalls().isEmpty()
                ? "exactly once"
                : "exactly once, " + round.shortfalls().size() + " shortfalls";
    }

    private static String minutes(Duration duration) {
        return String.format("%dm%02ds", duration.toMinutes(), duration.toSecondsPart());
    }
}
