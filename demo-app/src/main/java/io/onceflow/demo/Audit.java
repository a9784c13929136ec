package io.onceflow.demo;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The ledger's audit at one moment: what went in (payments), what came out (ledger entries, dead letters, balances),
 * and whether each payment had exactly one effect.
 *
 * <ul>
 *   <li>{@link Verdict#EXACT}: every payment has its one effect, and the sums agree everywhere: payments, ledger,
 *       table.
 *   <li>{@link Verdict#EXACT_SO_FAR}: no anomaly, but some payments are still in flight (or the table's sums are
 *       being written): what is there is exact, the rest is coming.
 *   <li>{@link Verdict#BROKEN}: a duplicate, an effect of nothing, a wrong balance, or an output the audit cannot
 *       read: exactly-once failed, or someone wrote to the ledger's topics.
 *   <li>{@link Verdict#STOPPED}: the auditor stopped reading (the reason is in {@code auditorStopped}); its counts are
 *       those of that moment.
 * </ul>
 *
 * @param verdict the conclusion
 * @param paymentsAccepted valid payments in the payments topic, which the ledger must apply
 * @param paymentsInvalid the other records of the payments topic, which must become dead letters: unreadable,
 *     breaking a rule, repeating an account's payment id within the retention, or read from another partition than
 *     their account's
 * @param paymentsRepeated of the invalid, valid payments whose account and id came within the retention before
 * @param paymentsMisrouted of the invalid, valid payments read from another partition than their account's
 * @param ledgerEntries entries in the ledger topic
 * @param deadLetters dead letters of payments
 * @param inFlight payments whose effect is not there yet
 * @param duplicates entries and dead letters with no payment waiting for them
 * @param unreadable entries and dead letters the audit cannot read (a malformed origin header): anomalies
 * @param sequenceBreaks ledger entries out of their balance's sequence
 * @param balanceMismatches ledger entries with a wrong amount or balance
 * @param balances balances (account and currency) in the ledger
 * @param tableRows rows of the balances table; -1 when it could not be read
 * @param totals the sums per currency
 * @param auditorStopped why the auditor stopped reading, or null while it reads
 * @since 0.1
 */
public record Audit(
        Verdict verdict,
        long paymentsAccepted,
        long paymentsInvalid,
        long paymentsRepeated,
        long paymentsMisrouted,
        long ledgerEntries,
        long deadLetters,
        long inFlight,
        long duplicates,
        long unreadable,
        long sequenceBreaks,
        long balanceMismatches,
        long balances,
        long tableRows,
        List<CurrencyTotals> totals,
        @Nullable String auditorStopped) {

    /** What the audit concludes. */
    public enum Verdict {
        /** Every payment had exactly one effect, and every sum agrees. */
        EXACT,
        /** No anomaly; some effects are still on their way. */
        EXACT_SO_FAR,
        /** An anomaly: a duplicate, an effect of nothing, a wrong balance, or an output that does not read. */
        BROKEN,
        /** The auditor stopped reading: the counts are frozen, nothing can be concluded from them. */
        STOPPED
    }

    /**
     * The sums in one currency, in its major unit.
     *
     * @param currency the ISO 4217 code
     * @param payments the sum of the valid payments
     * @param ledger the sum of the balances in the ledger topic (each balance's last entry)
     * @param table the sum of the balances in the table
     */
    public record CurrencyTotals(String currency, BigDecimal payments, BigDecimal ledger, BigDecimal table) {}

    /** The audit of these counts and table totals. */
    static Audit of(LedgerAuditState.LedgerCounts counts, BalancesTable.Totals table) {
        TreeSet<String> currencies = new TreeSet<>(counts.acceptedMinor().keySet());
        currencies.addAll(counts.ledgerMinor().keySet());
        currencies.addAll(table.sumsMinor().keySet());
        List<CurrencyTotals> totals = new ArrayList<>();
        boolean sumsAgree = true;
        for (String currency : currencies) {
            long payments = get(counts.acceptedMinor(), currency);
            long ledger = get(counts.ledgerMinor(), currency);
            long rows = get(table.sumsMinor(), currency);
            sumsAgree &= payments == ledger && ledger == rows;
            totals.add(new CurrencyTotals(
                    currency,
                    Money.toMajor(currency, payments),
                    Money.toMajor(currency, ledger),
                    Money.toMajor(currency, rows)));
        }
        boolean anomaly = counts.unmatched() > 0
                || counts.unreadable() > 0
                || counts.sequenceBreaks() > 0
                || counts.balanceMismatches() > 0;
        boolean complete = counts.inFlight() == 0
                && counts.entries() == counts.accepted()
                && counts.deadLetters() == counts.invalid()
                && sumsAgree
                && table.rows() == counts.balances();
        Verdict verdict = anomaly
                ? Verdict.BROKEN
                : counts.stoppedBecause() != null ? Verdict.STOPPED : complete ? Verdict.EXACT : Verdict.EXACT_SO_FAR;
        return new Audit(
                verdict,
                counts.accepted(),
                counts.invalid(),
                counts.repeated(),
                counts.misrouted(),
                counts.entries(),
                counts.deadLetters(),
                counts.inFlight(),
                counts.unmatched(),
                counts.unreadable(),
                counts.sequenceBreaks(),
                counts.balanceMismatches(),
                counts.balances(),
                table.rows(),
                totals,
                counts.stoppedBecause());
    }

    private static long get(Map<String, Long> sums, String currency) {
        return sums.getOrDefault(currency, 0L);
    }

    /** Whether every payment had exactly one effect and every sum agrees. */
    public boolean exact() {
        return verdict == Verdict.EXACT;
    }
}
