package io.onceflow.demo;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The audit's bookkeeping: it matches every ledger entry and dead letter to the payments record that caused it, and
 * checks each balance's chain of entries, from the topics' contents alone.
 *
 * <ul>
 *   <li>Each payments record must have one effect, which {@link AuditExpectations} decides: a valid payment waits (in
 *       flight) until a ledger entry with its account and id arrives; any other record (invalid, a repeated payment
 *       id, a payment in another partition than its account's) until a dead letter names its partition and offset.
 *       Entries and dead letters are only looked at once the payments before them have been read
 *       ({@link LedgerAuditor} sees to that), so one with no payment waiting for it is a duplicate, or an effect of
 *       nothing: unmatched.
 *   <li>A balance's entries must carry the sequence numbers 1, 2, 3 … in order, each balance the previous one plus
 *       the amount: a replay that applied a payment twice, or restored a wrong balance, breaks the chain.
 *   <li>An entry or dead letter that does not read (a malformed {@code onceflow.origin.*} header) is an anomaly,
 *       counted; the audit goes on.
 * </ul>
 *
 * <p>Memory: what is in flight, one small record per balance, and the payment keys of one deduplication retention;
 * matched payments are forgotten. Thread-safe (synchronized): one thread feeds it, any reads {@link #counts()}.
 *
 * @since 0.1
 */
final class LedgerAuditState {

    private final AuditExpectations expectations;
    private final Map<String, Payment> pendingPayments = new HashMap<>();
    private final Set<String> pendingInvalid = new HashSet<>();
    private final Map<String, LedgerEntry> unmatchedEntries = new HashMap<>();
    private final Set<String> unmatchedDeadLetters = new HashSet<>();
    private final Map<String, long[]> chains = new HashMap<>(); // balance key -> {last sequence, last balance}
    private final Map<String, Long> acceptedMinor = new TreeMap<>();
    private final Map<String, Long> ledgerMinor = new TreeMap<>();

    private long accepted;
    private long invalid;
    private long repeated;
    private long misrouted;
    private long entries;
    private long deadLetters;
    private long duplicateIds;
    private long unmatchedAgain;
    private long unreadable;
    private long sequenceBreaks;
    private long balanceMismatches;
    private @Nullable String stoppedBecause;

    /**
     * @param partitions how many partitions the payments topic has
     * @param retention how long the ledger remembers a payment's account and id
     */
    LedgerAuditState(int partitions, Duration retention) {
        this.expectations = new AuditExpectations(partitions, retention);
    }

    /**
     * A record of the payments topic: {@code payment} is the valid payment it carries, or null when it does not read
     * or breaks a rule.
     */
    synchronized void payment(int partition, long offset, long timestamp, @Nullable Payment payment) {
        AuditExpectations.Effect effect = expectations.expect(partition, timestamp, payment);
        if (effect != AuditExpectations.Effect.ENTRY) {
            invalid++;
            repeated += effect == AuditExpectations.Effect.REPEATED ? 1 : 0;
            misrouted += effect == AuditExpectations.Effect.MISROUTED ? 1 : 0;
            String origin = origin(partition, offset);
            if (!unmatchedDeadLetters.remove(origin)) {
                pendingInvalid.add(origin);
            }
            return;
        }
        Payment valid = requireNonNull(payment);
        accepted++;
        acceptedMinor.merge(valid.currency(), valid.amountMinor(), Long::sum);
        LedgerEntry early = unmatchedEntries.remove(valid.paymentKey());
        if (early != null) {
            compare(valid, early);
        } else if (pendingPayments.putIfAbsent(valid.paymentKey(), valid) != null) {
            // applied twice by the rules: an id repeated after its retention, while its first is still in flight
            duplicateIds++;
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
        String paymentKey = entry.account() + '/' + entry.paymentId();
        Payment payment = pendingPayments.remove(paymentKey);
        if (payment != null) {
            compare(payment, entry);
        } else if (unmatchedEntries.putIfAbsent(paymentKey, entry) != null) {
            unmatchedAgain++;
        }
    }

    /** A ledger record that is not a readable entry: an effect of nothing the audit knows. */
    synchronized void unreadableEntry() {
        entries++;
        unreadable++;
    }

    /** A dead letter without a readable origin (a malformed {@code onceflow.origin.*} header): an anomaly. */
    synchronized void unreadableDeadLetter() {
        deadLetters++;
        unreadable++;
    }

    /** The auditor stopped reading, for this reason: the counts are frozen from now on. */
    synchronized void stopped(String reason) {
        stoppedBecause = reason;
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
                repeated,
                misrouted,
                entries,
                deadLetters,
                pendingPayments.size() + pendingInvalid.size(),
                unmatchedEntries.size() + unmatchedDeadLetters.size() + unmatchedAgain + duplicateIds,
                unreadable,
                sequenceBreaks,
                balanceMismatches,
                new TreeMap<>(acceptedMinor),
                new TreeMap<>(ledgerMinor),
                chains.size(),
                expectations.remembered(),
                stoppedBecause);
    }

    /**
     * The audit's counts from the topics.
     *
     * @param accepted valid payments in the payments topic that the ledger must apply
     * @param invalid other records of the payments topic, which the ledger must dead-letter: unreadable, breaking a
     *     rule, repeated, or misrouted
     * @param repeated of those, valid payments whose account and id came within the retention before (or too late to
     *     tell)
     * @param misrouted of those, valid payments read from another partition than their account's
     * @param entries records in the ledger topic
     * @param deadLetters dead letters of payments
     * @param inFlight payments whose ledger entry or dead letter is not there yet
     * @param unmatched entries and dead letters no payment is waiting for (duplicates), and duplicate payment ids
     * @param unreadable entries and dead letters that do not read (a malformed header): anomalies
     * @param sequenceBreaks entries out of their balance's sequence
     * @param balanceMismatches entries whose balance or amount is not what the payment and the previous entry make
     * @param acceptedMinor the sum of the valid payments per currency, in minor units
     * @param ledgerMinor the sum of the last balance of each account per currency, in minor units
     * @param balances the balances (account and currency) in the ledger
     * @param rememberedIds payment keys the audit remembers for the deduplication rule
     * @param stoppedBecause why the auditor stopped reading, or null while it reads
     */
    record LedgerCounts(
            long accepted,
            long invalid,
            long repeated,
            long misrouted,
            long entries,
            long deadLetters,
            long inFlight,
            long unmatched,
            long unreadable,
            long sequenceBreaks,
            long balanceMismatches,
            Map<String, Long> acceptedMinor,
            Map<String, Long> ledgerMinor,
            long balances,
            long rememberedIds,
            @Nullable String stoppedBecause) {}
}
