package io.onceflow.demo;

import java.util.ArrayList;
import java.util.List;

/**
 * The audit as a Markdown table for the terminal, ending with {@code AUDIT EXACT} or {@code AUDIT FAILED}.
 *
 * @since 0.1
 */
final class AuditTable {

    private AuditTable() {}

    /**
     * The table.
     *
     * @param audit the final audit
     * @param run what the batch did: payments sent, crashes, restarts, checkpoints, time
     */
    static String format(Audit audit, BatchFigures run) {
        List<String[]> rows = new ArrayList<>();
        rows.add(row("payments sent (acknowledged by Kafka)", run.sent()));
        rows.add(row("valid payments in the payments topic", audit.paymentsAccepted()));
        rows.add(row("ledger entries (read_committed)", audit.ledgerEntries()));
        rows.add(row("invalid payments (dead letters expected)", audit.paymentsInvalid()));
        rows.add(row("  of which repeated payment ids", audit.paymentsRepeated()));
        rows.add(row("  of which in another partition than their account's", audit.paymentsMisrouted()));
        rows.add(row("dead letters", audit.deadLetters()));
        rows.add(row("in flight", audit.inFlight()));
        rows.add(row("duplicates (effects without a payment)", audit.duplicates()));
        rows.add(row("outputs that do not read", audit.unreadable()));
        rows.add(row("sequence breaks", audit.sequenceBreaks()));
        rows.add(row("wrong balances", audit.balanceMismatches()));
        rows.add(new String[] {
            "balances: ledger / table rows", String.format("%,d / %,d", audit.balances(), audit.tableRows())
        });
        for (Audit.CurrencyTotals totals : audit.totals()) {
            rows.add(new String[] {
                "sum " + totals.currency() + ": payments / ledger / table",
                totals.payments().toPlainString() + " / " + totals.ledger().toPlainString() + " / "
                        + totals.table().toPlainString()
            });
        }
        rows.add(row("crashes injected", run.crashes()));
        rows.add(row("payments in flight when the crashes hit", run.inFlightAtCrashes()));
        rows.add(row("restarts after failed checkpoints", run.restarts()));
        rows.add(new String[] {
            "checkpoints completed / failed", String.format("%,d / %,d", run.completed(), run.failed())
        });
        rows.add(new String[] {"wall time", String.format("%.1f s", run.seconds())});

        int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(10);
        int valueWidth = rows.stream().mapToInt(r -> r[1].length()).max().orElse(10);
        StringBuilder table = new StringBuilder();
        table.append(String.format("| %-" + width + "s | %" + valueWidth + "s |%n", "audit", "value"));
        table.append("|").append("-".repeat(width + 2)).append("|");
        table.append("-".repeat(valueWidth + 1)).append(":|").append(System.lineSeparator());
        for (String[] row : rows) {
            table.append(String.format("| %-" + width + "s | %" + valueWidth + "s |%n", row[0], row[1]));
        }
        table.append(System.lineSeparator());
        table.append(audit.exact() ? "AUDIT EXACT" : "AUDIT FAILED (" + audit.verdict() + ")");
        if (audit.auditorStopped() != null) {
            table.append(System.lineSeparator()).append("the auditor stopped: ").append(audit.auditorStopped());
        }
        return table.toString();
    }

    private static String[] row(String name, long value) {
        return new String[] {name, String.format("%,d", value)};
    }

    /**
     * What a batch did, beside the audit.
     *
     * @param sent payments Kafka acknowledged
     * @param inFlightAtCrashes payments without their effect yet at the moments of the crashes, added up
     * @param crashes crashes injected
     * @param restarts restarts by the restart policy
     * @param completed checkpoints completed during the batch
     * @param failed checkpoints failed during the batch
     * @param seconds wall time
     */
    record BatchFigures(
            long sent,
            long inFlightAtCrashes,
            long crashes,
            long restarts,
            long completed,
            long failed,
            double seconds) {}
}
