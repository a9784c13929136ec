package io.onceflow.demo;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The ledger's audit at one moment: what went in (payments), what came out (ledger entries, dead letters, balances),
 * and whether each payment had exactly one effect.
 *
 * <ul>
 *   <li>{@link Verdict#EXACT}: every payment has its one effect, and the sums agree everywhere: payments, ledger,
 *       table.
 *   <li>{@link Verdict#EXACT_SO_FAR}: no anomaly, but some payments are still in flight (or the table's sums are
 *       being written): what is there is exact, the rest is coming.
 *   <li>{@link Verdict#BROKEN}: a duplicate, an effect of nothing, or a wrong balance: exactly-once failed.
 * </ul>
 *
 * @param verdict the conclusion
 * @param paymentsAccepted valid payments in the payments topic
 * @param paymentsInvalid invalid ones, which must become dead letters
 * @param ledgerEntries entries in the ledger topic
 * @param deadLetters dead letters of payments
 * @param inFlight payments whose effect is not there yet
 * @param duplicates entries and dead letters with no payment waiting for them
 * @param sequenceBreaks ledger entries out of their balance's sequence
 * @param balanceMismatches ledger entries with a wrong amount or balance
 * @param balances balances (account and currency) in the ledger
 * @param tableRows rows of the balances table; -1 when it could not be read
 * @param totals the sums per currency
 * @since 0.1
 */
public record Audit(
        Verdict verdict,
        long paymentsAccepted,
        long paymentsInvalid,
        long ledgerEntries,
        long deadLetters,
        long inFlight,
        long duplicates,
        long sequenceBreaks,
        long balanceMismatches,
        long balances,
        long tableRows,
        List<CurrencyTotals> totals) {

    /** What the audit concludes. */
    public enum Verdict {
        /** Every payment had exactly one effect, and every sum agrees. */
        EXACT,
        /** No anomaly; some effects are still on their way. */
        EXACT_SO_FAR,
        /** An anomaly: a duplicate, an effect of nothing, or a wrong balance. */
        BROKEN
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
        boolean anomaly = counts.unmatched() > 0 || counts.sequenceBreaks() > 0 || counts.balanceMismatches() > 0;
        boolean complete = counts.inFlight() == 0
                && counts.entries() == counts.accepted()
                && counts.deadLetters() == counts.invalid()
                && sumsAgree
                && table.rows() == counts.balances();
        Verdict verdict = anomaly ? Verdict.BROKEN : complete ? Verdict.EXACT : Verdict.EXACT_SO_FAR;
        return new Audit(
                verdict,
                counts.accepted(),
                counts.invalid(),
                counts.entries(),
                counts.deadLetters(),
                counts.inFlight(),
                counts.unmatched(),
                counts.sequenceBreaks(),
                counts.balanceMismatches(),
                counts.balances(),
                table.rows(),
                totals);
    }

    private static long get(Map<String, Long> sums, String currency) {
        return sums.getOrDefault(currency, 0L);
    }

    /** Whether every payment had exactly one effect and every sum agrees. */
    public boolean exact() {
        return verdict == Verdict.EXACT;
    }
}
