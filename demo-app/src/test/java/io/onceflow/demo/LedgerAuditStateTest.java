package io.onceflow.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.demo.LedgerAuditState.LedgerCounts;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The audit's bookkeeping finds each kind of anomaly, and only those. */
class LedgerAuditStateTest {

    private final LedgerAuditState audit = new LedgerAuditState(1, Duration.ofMillis(10));
    private long offset;

    /** A valid payment read from the only partition, its offset the next one, its timestamp the offset. */
    private void read(Payment payment) {
        audit.payment(0, offset, offset, payment);
        offset++;
    }

    @Test
    void everyPaymentWithItsOneEffectIsExact() {
        read(new Payment("p1", "alice", "EUR", 100));
        read(new Payment("p2", "alice", "EUR", 50));
        audit.payment(0, 7, 7, null);
        audit.entry(new LedgerEntry("p1", "alice", "EUR", 100, 100, 1));
        audit.entry(new LedgerEntry("p2", "alice", "EUR", 50, 150, 2));
        audit.deadLetter(0, 7);

        LedgerCounts counts = audit.counts();
        assertThat(counts.inFlight()).isZero();
        assertThat(counts.unmatched()).isZero();
        assertThat(counts.sequenceBreaks()).isZero();
        assertThat(counts.balanceMismatches()).isZero();
        assertThat(counts.acceptedMinor()).isEqualTo(Map.of("EUR", 150L));
        assertThat(counts.ledgerMinor()).isEqualTo(Map.of("EUR", 150L));
        Audit result = Audit.of(counts, new BalancesTable.Totals(Map.of("EUR", 150L), 1));
        assertThat(result.verdict()).isEqualTo(Audit.Verdict.EXACT);
    }

    @Test
    void aPaymentWithoutItsEntryIsInFlight() {
        read(new Payment("p1", "alice", "EUR", 100));
        LedgerCounts counts = audit.counts();
        assertThat(counts.inFlight()).isEqualTo(1);
        assertThat(Audit.of(counts, new BalancesTable.Totals(Map.of(), 0)).verdict())
                .isEqualTo(Audit.Verdict.EXACT_SO_FAR);
    }

    @Test
    void aPaymentAppliedTwiceIsADuplicateAndBreaksTheChain() {
        read(new Payment("p1", "alice", "EUR", 100));
        audit.entry(new LedgerEntry("p1", "alice", "EUR", 100, 100, 1));
        audit.entry(new LedgerEntry("p1", "alice", "EUR", 100, 100, 1)); // a replay that was not fenced

        LedgerCounts counts = audit.counts();
        assertThat(counts.unmatched()).isEqualTo(1);
        assertThat(counts.sequenceBreaks()).isEqualTo(1);
        assertThat(Audit.of(counts, new BalancesTable.Totals(Map.of("EUR", 100L), 1))
                        .verdict())
                .isEqualTo(Audit.Verdict.BROKEN);
    }

    @Test
    void aReplayWithAdvancedStateIsCaughtByItsPaymentId() {
        read(new Payment("p1", "alice", "EUR", 100));
        audit.entry(new LedgerEntry("p1", "alice", "EUR", 100, 100, 1));
        audit.entry(new LedgerEntry("p1", "alice", "EUR", 100, 200, 2)); // state kept, payment applied again

        assertThat(audit.counts().unmatched()).isEqualTo(1);
        assertThat(audit.counts().sequenceBreaks()).isZero();
    }

    @Test
    void aWrongBalanceAndADeadLetterTwiceAreAnomalies() {
        read(new Payment("p1", "alice", "EUR", 100));
        audit.entry(new LedgerEntry("p1", "alice", "EUR", 100, 90, 1));
        audit.payment(1, 3, 3, null);
        audit.deadLetter(1, 3);
        audit.deadLetter(1, 3);

        LedgerCounts counts = audit.counts();
        assertThat(counts.balanceMismatches()).isEqualTo(1);
        assertThat(counts.unmatched()).isEqualTo(1);
    }

    @Test
    void theTableBehindTheLedgerIsNotExactYet() {
        read(new Payment("p1", "alice", "EUR", 100));
        audit.entry(new LedgerEntry("p1", "alice", "EUR", 100, 100, 1));
        assertThat(Audit.of(audit.counts(), new BalancesTable.Totals(Map.of(), 0))
                        .verdict())
                .isEqualTo(Audit.Verdict.EXACT_SO_FAR);
    }

    @Test
    void anAccountsPaymentIdRepeatedWithinTheRetentionMustBeDeadLetteredAndLaterIsAPaymentAgain() {
        audit.payment(0, 0, 100, new Payment("p1", "alice", "EUR", 100));
        audit.payment(0, 1, 105, new Payment("p1", "alice", "EUR", 100)); // a client's retry: dead-lettered
        audit.payment(0, 2, 105, new Payment("p1", "bob", "EUR", 7)); // another account's p1: a payment
        audit.entry(new LedgerEntry("p1", "alice", "EUR", 100, 100, 1));
        audit.entry(new LedgerEntry("p1", "bob", "EUR", 7, 7, 1));
        audit.payment(0, 3, 115, new Payment("p2", "alice", "EUR", 1)); // watermark 115 forgets alice's p1 (at 100)
        audit.payment(0, 4, 116, new Payment("p1", "alice", "EUR", 3)); // so this is a payment again
        audit.payment(0, 5, 106, new Payment("p3", "alice", "EUR", 9)); // 10 behind the watermark: too late to tell
        audit.entry(new LedgerEntry("p2", "alice", "EUR", 1, 101, 2));
        audit.entry(new LedgerEntry("p1", "alice", "EUR", 3, 104, 3));
        audit.deadLetter(0, 1);
        audit.deadLetter(0, 5);

        LedgerCounts counts = audit.counts();
        assertThat(counts.accepted()).isEqualTo(4);
        assertThat(counts.invalid()).isEqualTo(2);
        assertThat(counts.repeated()).isEqualTo(2);
        assertThat(counts.inFlight()).isZero();
        assertThat(Audit.of(counts, new BalancesTable.Totals(Map.of("EUR", 111L), 2))
                        .verdict())
                .isEqualTo(Audit.Verdict.EXACT);
    }

    @Test
    void aRepeatedPaymentIdThatWasAppliedIsAnAnomaly() {
        read(new Payment("p1", "alice", "EUR", 100));
        read(new Payment("p1", "alice", "EUR", 100));
        audit.entry(new LedgerEntry("p1", "alice", "EUR", 100, 100, 1));
        audit.entry(new LedgerEntry("p1", "alice", "EUR", 100, 200, 2)); // the pipeline applied the retry

        LedgerCounts counts = audit.counts();
        assertThat(counts.unmatched()).isEqualTo(1);
        assertThat(counts.inFlight()).isEqualTo(1); // the retry's dead letter never came
    }

    @Test
    void aPaymentInAnotherPartitionThanItsAccountsMustBeDeadLettered() {
        LedgerAuditState four = new LedgerAuditState(4, Duration.ofMinutes(10));
        int home = new AuditExpectations(4, Duration.ofMinutes(10)).home("acct-001");
        int other = (home + 1) % 4;
        four.payment(home, 0, 1, new Payment("p1", "acct-001", "EUR", 100));
        four.payment(other, 0, 2, new Payment("p2", "acct-001", "EUR", 1)); // produced with another key
        four.entry(new LedgerEntry("p1", "acct-001", "EUR", 100, 100, 1));
        four.deadLetter(other, 0);

        LedgerCounts counts = four.counts();
        assertThat(counts.misrouted()).isEqualTo(1);
        assertThat(Audit.of(counts, new BalancesTable.Totals(Map.of("EUR", 100L), 1))
                        .verdict())
                .isEqualTo(Audit.Verdict.EXACT);
    }

    @Test
    void anOutputThatDoesNotReadIsAnAnomalyAndTheCountsGoOn() {
        read(new Payment("p1", "alice", "EUR", 100));
        audit.unreadableDeadLetter();
        audit.entry(new LedgerEntry("p1", "alice", "EUR", 100, 100, 1));

        LedgerCounts counts = audit.counts();
        assertThat(counts.unreadable()).isEqualTo(1);
        assertThat(counts.entries()).isEqualTo(1);
        assertThat(Audit.of(counts, new BalancesTable.Totals(Map.of("EUR", 100L), 1))
                        .verdict())
                .isEqualTo(Audit.Verdict.BROKEN);
    }

    @Test
    void aStoppedAuditorSaysSoInsteadOfAnsweringWithFrozenCounts() {
        read(new Payment("p1", "alice", "EUR", 100));
        audit.entry(new LedgerEntry("p1", "alice", "EUR", 100, 100, 1));
        audit.stopped("java.lang.OutOfMemoryError: Java heap space");

        Audit result = Audit.of(audit.counts(), new BalancesTable.Totals(Map.of("EUR", 100L), 1));
        assertThat(result.verdict()).isEqualTo(Audit.Verdict.STOPPED);
        assertThat(result.auditorStopped()).contains("OutOfMemoryError");
    }
}
