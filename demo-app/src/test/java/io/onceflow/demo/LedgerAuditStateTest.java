package io.onceflow.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.demo.LedgerAuditState.LedgerCounts;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The audit's bookkeeping finds each kind of anomaly, and only those. */
class LedgerAuditStateTest {

    private final LedgerAuditState audit = new LedgerAuditState();

    @Test
    void everyPaymentWithItsOneEffectIsExact() {
        audit.payment(new Payment("p1", "alice", "EUR", 100));
        audit.payment(new Payment("p2", "alice", "EUR", 50));
        audit.invalidPayment(0, 7);
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
        audit.payment(new Payment("p1", "alice", "EUR", 100));
        LedgerCounts counts = audit.counts();
        assertThat(counts.inFlight()).isEqualTo(1);
        assertThat(Audit.of(counts, new BalancesTable.Totals(Map.of(), 0)).verdict())
                .isEqualTo(Audit.Verdict.EXACT_SO_FAR);
    }

    @Test
    void aPaymentAppliedTwiceIsADuplicateAndBreaksTheChain() {
        audit.payment(new Payment("p1", "alice", "EUR", 100));
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
        audit.payment(new Payment("p1", "alice", "EUR", 100));
        audit.entry(new LedgerEntry("p1", "alice", "EUR", 100, 100, 1));
        audit.entry(new LedgerEntry("p1", "alice", "EUR", 100, 200, 2)); // state kept, payment applied again

        assertThat(audit.counts().unmatched()).isEqualTo(1);
        assertThat(audit.counts().sequenceBreaks()).isZero();
    }

    @Test
    void aWrongBalanceAndADeadLetterTwiceAreAnomalies() {
        audit.payment(new Payment("p1", "alice", "EUR", 100));
        audit.entry(new LedgerEntry("p1", "alice", "EUR", 100, 90, 1));
        audit.invalidPayment(1, 3);
        audit.deadLetter(1, 3);
        audit.deadLetter(1, 3);

        LedgerCounts counts = audit.counts();
        assertThat(counts.balanceMismatches()).isEqualTo(1);
        assertThat(counts.unmatched()).isEqualTo(1);
    }

    @Test
    void theTableBehindTheLedgerIsNotExactYet() {
        audit.payment(new Payment("p1", "alice", "EUR", 100));
        audit.entry(new LedgerEntry("p1", "alice", "EUR", 100, 100, 1));
        assertThat(Audit.of(audit.counts(), new BalancesTable.Totals(Map.of(), 0))
                        .verdict())
                .isEqualTo(Audit.Verdict.EXACT_SO_FAR);
    }
}
