package io.onceflow.chaos.verify;

import io.onceflow.chaos.ledger.LedgerVariant;
import java.util.List;

/**
 * What the verifier found in one variant's outputs, against the input.
 *
 * @param variant the ledger job
 * @param inputPayments payments in the input topic
 * @param processedPrefix payments before the committed positions: those the outputs must reflect, exactly once
 * @param notProcessed payments at or after the committed positions (zero once the job has caught up)
 * @param entries entries read from the job's entries output (read_committed topic, or table)
 * @param duplicates effects beyond the first: entries of a payment seen before, entries of payments beyond the
 *     committed positions, and payments counted more than once in the balances table
 * @param losses payments of the processed prefix with no entry, and payments missing from the balances table
 * @param sequenceBreaks entries that are not at their place: the n-th entry of an account must be its n-th payment
 *     (number, id, sequence number and running balance)
 * @param wrongBalances rows of the balances table that differ from the sums of the input (or are missing or extra)
 * @param groupOffsetsAhead partitions whose Kafka group offsets (lag tooling) are beyond the commit point's positions
 * @param examples the first few problems, described
 */
public record Verdict(
        LedgerVariant variant,
        long inputPayments,
        long processedPrefix,
        long notProcessed,
        long entries,
        long duplicates,
        long losses,
        long sequenceBreaks,
        long wrongBalances,
        long groupOffsetsAhead,
        List<String> examples) {

    public Verdict {
        examples = List.copyOf(examples);
    }

    /** Every payment of the input had exactly one effect on every output. */
    public boolean exact() {
        return notProcessed == 0
                && duplicates == 0
                && losses == 0
                && sequenceBreaks == 0
                && wrongBalances == 0
                && groupOffsetsAhead == 0
                && entries == inputPayments;
    }
}
