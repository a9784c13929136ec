package io.onceflow.chaos.campaign;

import io.onceflow.chaos.ledger.LedgerVariant;
import io.onceflow.chaos.shapes.ShapeVerdict;
import io.onceflow.chaos.verify.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/** Renders a {@link CampaignResult} as the table the campaign prints: one column per job. */
public final class CampaignTable {

    private CampaignTable() {}

    /** The table, then the shortfalls, the problems found and the notes, as text. */
    public static String render(CampaignResult result) {
        List<LedgerVariant> variants = result.profile().variants();
        Map<String, List<String>> rows = new LinkedHashMap<>();
        row(rows, result, "payments in (input topic)", v -> count(v.inputPayments()));
        row(rows, result, "entries out (read_committed / table)", v -> count(v.entries()));
        jobRow(
                rows,
                result,
                "processors",
                job -> String.valueOf(result.profile().instances()));
        jobRow(
                rows,
                result,
                "consumer group protocol",
                job -> job.groupProtocol.name().toLowerCase(Locale.ROOT));
        jobRow(rows, result, "processor kills", job -> String.valueOf(job.kills()));
        TreeSet<String> kinds = new TreeSet<>();
        result.stats().jobs().values().forEach(job -> kinds.addAll(job.kills.keySet()));
        for (String kind : kinds) {
            jobRow(rows, result, "  " + kind, job -> String.valueOf(job.kills.getOrDefault(kind, 0)));
        }
        jobRow(rows, result, "processor starts", job -> String.valueOf(job.incarnations));
        jobRow(rows, result, "pipeline restarts in a processor", job -> String.valueOf(job.restarts));
        jobRow(rows, result, "failed checkpoints", job -> String.valueOf(job.failedCheckpoints));
        jobRow(rows, result, "rebalances (revocations)", job -> String.valueOf(job.rebalances));
        jobRow(rows, result, "restores (claims)", job -> String.valueOf(job.restores));
        jobRow(rows, result, "zombies (SIGSTOP > session)", job -> String.valueOf(job.zombies));
        jobRow(rows, result, "zombies fenced", job -> String.valueOf(job.zombiesFenced));
        jobRow(rows, result, "stopped by themselves", job -> String.valueOf(job.selfStops));
        row(rows, result, "DUPLICATES", v -> count(v.duplicates()));
        row(rows, result, "LOSSES", v -> count(v.losses()));
        row(rows, result, "sequence breaks", v -> count(v.sequenceBreaks()));
        row(rows, result, "wrong balances rows", v -> count(v.wrongBalances()));
        row(rows, result, "not processed", v -> count(v.notProcessed()));
        row(rows, result, "group offsets ahead", v -> count(v.groupOffsetsAhead()));
        row(rows, result, "verdict", v -> v.exact() ? "exactly once" : "BROKEN");

        int labelWidth = rows.keySet().stream().mapToInt(String::length).max().orElse(10) + 2;
        int columnWidth = 16;
        StringBuilder text = new StringBuilder();
        text.append(String.format(
                "%nOnceflow exactly-once campaign '%s' (seed %d): %s%n",
                result.profile().name(),
                result.profile().seed(),
                result.exactlyOnce() ? "EXACTLY ONCE" : "NOT EXACTLY ONCE"));
        text.append(pad("", labelWidth));
        variants.forEach(v -> text.append(pad(v.name(), columnWidth)));
        text.append('\n');
        rows.forEach((label, values) -> {
            text.append(pad(label, labelWidth));
            values.forEach(value -> text.append(pad(value, columnWidth)));
            text.append('\n');
        });
        CampaignStats.Snapshot stats = result.stats();
        text.append(String.format(
                "broker bounces (SIGKILL, restart): %d%s   PostgreSQL connection kills: %d (%d connections)   PostgreSQL"
                        + " server restarts: %d%s%n",
                stats.brokerBounces(),
                result.profile().brokerNodes() == 1
                        ? ""
                        : " of " + result.profile().brokerNodes() + " nodes, node 2 alone: " + stats.nodeBounces(),
                stats.connectionKills(),
                stats.connectionsTerminated(),
                stats.serverRestarts(),
                stats.serverRestartsSkipped() == 0
                        ? ""
                        : " (" + stats.serverRestartsSkipped() + " skipped: the server is not the tests' to restart)"));
        text.append(String.format(
                "open transactions: %d Kafka partitions (LSO < HW), %d PostgreSQL sessions idle in transaction%n",
                result.openTransactions().kafkaPartitions(),
                result.openTransactions().postgresSessions()));
        text.append(String.format(
                "payments acknowledged: %s (failed sends: %d)   input anomalies: %d%n",
                count(result.produced()),
                result.producerFailures(),
                result.inputAnomalies().size()));
        text.append(String.format(
                "wall time: %s (chaos %s, drain %s, verification %s)   logs: %s%n",
                minutes(result.wallTime()),
                minutes(result.chaosTime()),
                minutes(result.drainTime()),
                minutes(result.wallTime().minus(result.chaosTime()).minus(result.drainTime())),
                result.directory()));
        if (!result.shapeVerdicts().isEmpty()) {
            text.append(shapes(result.shapeVerdicts()));
        }
        List<String> details = new ArrayList<>();
        result.shortfalls().forEach(s -> details.add("shortfall: " + s));
        result.inputAnomalies().forEach(a -> details.add("input: " + a));
        result.openTransactions().details().forEach(d -> details.add("open: " + d));
        for (Verdict verdict : result.verdicts()) {
            verdict.examples().forEach(e -> details.add(verdict.variant() + ": " + e));
        }
        for (ShapeVerdict verdict : result.shapeVerdicts()) {
            verdict.examples().forEach(e -> details.add(verdict.shape() + ": " + e));
        }
        result.stats().jobs().forEach((variant, job) -> job.notes.forEach(n -> details.add(variant + " note: " + n)));
        details.forEach(d -> text.append("  ").append(d).append('\n'));
        return text.toString();
    }

    /** One line per shape: what it is, what it read and committed, what differs from its oracle. */
    private static String shapes(List<ShapeVerdict> verdicts) {
        StringBuilder text = new StringBuilder(String.format(
                "generated shapes: %d, %d exact%n",
                verdicts.size(), verdicts.stream().filter(ShapeVerdict::exact).count()));
        text.append(String.format(
                "  %-8s %-7s %-9s %-7s %-6s %-6s %-6s %-6s %-6s %-6s %-6s  %s%n",
                "verdict",
                "in",
                "expected",
                "out",
                "dead",
                "miss",
                "dup",
                "wrong",
                "extra",
                "≠dead",
                "≠table",
                "shape"));
        for (ShapeVerdict v : verdicts) {
            text.append(String.format(
                    "  %-8s %-7d %-9d %-7d %-6d %-6d %-6d %-6d %-6d %-6d %-6d  %s%n",
                    v.exact() ? "exact" : "BROKEN",
                    v.inputRecords(),
                    v.expectedOutputs(),
                    v.outputs(),
                    v.deadLetters(),
                    v.missing(),
                    v.duplicates(),
                    v.wrong(),
                    v.extra(),
                    v.deadLetterMismatches(),
                    v.tableMismatches(),
                    v.shape()));
        }
        return text.toString();
    }

    private static void row(
            Map<String, List<String>> rows, CampaignResult result, String label, Function<Verdict, String> value) {
        rows.put(label, result.verdicts().stream().map(value).toList());
    }

    private static void jobRow(
            Map<String, List<String>> rows,
            CampaignResult result,
            String label,
            Function<CampaignStats.Job, String> value) {
        List<String> values = new ArrayList<>();
        for (LedgerVariant variant : result.profile().variants()) {
            values.add(value.apply(result.stats().jobs().get(variant)));
        }
        rows.put(label, values);
    }

    private static String count(long value) {
        return String.format("%,d", value);
    }

    private static String minutes(Duration duration) {
        return String.format("%dm%02ds", duration.toMinutes(), duration.toSecondsPart());
    }

    private static String pad(String text, int width) {
        return text.length() >= width ? text + " " : text + " ".repeat(width - text.length());
    }
}
