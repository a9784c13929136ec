package io.onceflow.demo;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The audit's bookkeeping: it matches every ledger entry and dead letter to the payment that caused it, and checks
 * each balance's chain of entries, from the topics' contents alone.
 *
 * <ul>
 *   <li>A valid payment waits (in flight) until a ledger entry with its id arrives; an invalid one until a dead
 *       letter names its partition and offset. Entries and dead letters are only looked at once the payments before
 *       them have been read ({@link LedgerAuditor} sees to that), so one with no payment waiting for it is a
 *       duplicate, or an effect of nothing: unmatched.
 *   <li>A balance's entries must carry the sequence numbers 1, 2, 3 … in order, each balance the previous one plus
 *       the amount: a replay that applied a payment twice, or restored a wrong balance, breaks the chain.
 * </ul>
 *
 * <p>Memory: what is in flight, plus one small record per balance; matched payments are forgotten. Thread-safe
 * (synchronized): one thread feeds it, any reads {@link #counts()}.
 *
 * @since 0.1
 */
final class LedgerAuditState {

    private final Map<String, Payment> pendingPayments = new HashMap<>();
    private final Set<String> pendingInvalid = new HashSet<>();
    private final Map<String, LedgerEntry> unmatchedEntries = new HashMap<>();
    private final Set<String> unmatchedDeadLetters = new HashSet<>();
    private final Map<String, long[]> chains = new HashMap<>(); // balance key -> {last sequence, last balance}
    private final Map<String, Long> acceptedMinor = new TreeMap<>();
    private final Map<String, Long> ledgerMinor = new TreeMap<>();

    private long accepted;
    private long invalid;
    private long entries;
    private long deadLetters;
    private long duplicateIds;
    private long unmatchedAgain;
    private long sequenceBreaks;
    private long balanceMismatches;

    /** A valid payment read from the payments topic. */
    synchronized void payment(Payment payment) {
        accepted++;
        acceptedMinor.merge(payment.currency(), payment.amountMinor(), Long::sum);
        LedgerEntry early = unmatchedEntries.remove(payment.id());
        if (early != null) {
            compare(payment, early);
        } else if (pendingPayments.putIfAbsent(payment.id(), payment) != null) {
            // the same id twice in the input: the idempotent producer should make this impossible
            duplicateIds++;
        }
    }

    /** A record of the payments topic that is not a valid payment; the pipeline must dead-letter it. */
    synchronized void invalidPayment(int partition, long offset) {
        invalid++;
        String origin = origin(partition, offset);
        if (!unmatchedDeadLetters.remove(origin)) {
            pendingInvalid.add(origin);
        }
    }

    /** An entry read from the ledger topic. */
    synchronized void entry(LedgerEntry entry) {
        entries++;
        String key = Balance.key(entry.account(), entry.currency());
        long[] chain = chains.computeIfAbsent(key, k -> new long[2]);
        if (entry.sequence() != chain[0] + 1) {
            sequenceBreaks++;
        }
        if (entry.balanceMinor() != chain[1] + entry.amountMinor()) {
            balanceMismatches++;
        }
        ledgerMinor.merge(entry.currency(), entry.balanceMinor() - chain[1], Long::sum);
        chain[0] = entry.sequence();
        chain[1] = entry.balanceMinor();
        Payment payment = pendingPayments.remove(entry.paymentId());
        if (payment != null) {
            compare(payment, entry);
        } else if (unmatchedEntries.putIfAbsent(entry.paymentId(), entry) != null) {
            unmatchedAgain++;
        }
    }

    /** A ledger record that is not a readable entry: an effect of nothing the audit knows. */
    synchronized void unreadableEntry() {
        entries++;
        unmatchedAgain++;
    }

    /** A dead letter whose origin is a payments record. */
    synchronized void deadLetter(int partition, long offset) {
        deadLetters++;
        String origin = origin(partition, offset);
        if (!pendingInvalid.remove(origin) && !unmatchedDeadLetters.add(origin)) {
            unmatchedAgain++;
        }
    }

    private void compare(Payment payment, LedgerEntry entry) {
        if (payment.amountMinor() != entry.amountMinor()
                || !payment.account().equals(entry.account())
                || !payment.currency().equals(entry.currency())) {
            balanceMismatches++;
        }
    }

    private static String origin(int partition, long offset) {
        return partition + "@" + offset;
    }

    /** What the audit has counted so far. */
    synchronized LedgerCounts counts() {
        return new LedgerCounts(
                accepted,
                invalid,
                entries,
                deadLetters,
                pendingPayments.size() + pendingInvalid.size(),
                unmatchedEntries.size() + unmatchedDeadLetters.size() + unmatchedAgain + duplicateIds,
                sequenceBreaks,
                balanceMismatches,
                new TreeMap<>(acceptedMinor),
                new TreeMap<>(ledgerMinor),
                chains.size());
    }

    /**
     * The audit's counts from the topics.
     *
     * @param accepted valid payments in the payments topic
     * @param invalid other records of the payments topic
     * @param entries records in the ledger topic
     * @param deadLetters dead letters of payments
     * @param inFlight payments whose ledger entry or dead letter is not there yet
     * @param unmatched entries and dead letters no payment is waiting for (duplicates), and duplicate payment ids
     * @param sequenceBreaks entries out of their balance's sequence
     * @param balanceMismatches entries whose balance or amount is not what the payment and the previous entry make
     * @param acceptedMinor the sum of the valid payments per currency, in minor units
     * @param ledgerMinor the sum of the last balance of each account per currency, in minor units
     * @param balances the balances (account and currency) in the ledger
     */
    record LedgerCounts(
            long accepted,
            long invalid,
            long entries,
            long deadLetters,
            long inFlight,
            long unmatched,
            long sequenceBreaks,
            long balanceMismatches,
            Map<String, Long> acceptedMinor,
            Map<String, Long> ledgerMinor,
            long balances) {}
}
