package io.onceflow.chaos.verify;

import io.onceflow.chaos.ledger.Payment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The input topic as the verifier read it: every payment of every partition, in offset order, with its offset.
 *
 * <p>It is the only truth the verifier has: what each output must hold is computed from it alone.
 */
public final class InputLog {

    /** One partition's payments, in offset order. */
    record PartitionLog(List<Payment> payments, List<Long> offsets, long endOffset) {

        /** The payments before {@code nextOffset}: those a commit at that position has processed. */
        List<Payment> prefix(long nextOffset) {
            int count = 0;
            while (count < offsets.size() && offsets.get(count) < nextOffset) {
                count++;
            }
            return payments.subList(0, count);
        }
    }

    private final List<PartitionLog> partitions;

    InputLog(List<PartitionLog> partitions) {
        this.partitions = List.copyOf(partitions);
    }

    List<PartitionLog> partitions() {
        return partitions;
    }

    /** Payments in the topic. */
    public long size() {
        return partitions.stream().mapToLong(p -> p.payments().size()).sum();
    }

    /** The end offset of every partition, by partition number. */
    public long[] endOffsets() {
        long[] ends = new long[partitions.size()];
        for (int p = 0; p < ends.length; p++) {
            ends[p] = partitions.get(p).endOffset();
        }
        return ends;
    }

    /**
     * What is wrong with the input itself, which the producer wrote: an id seen twice, or an account whose sequence
     * numbers are not 1, 2, 3... in log order. Empty when the input is sound; the verdicts assume it is.
     */
    public List<String> anomalies() {
        List<String> found = new ArrayList<>();
        Set<Long> ids = new HashSet<>();
        Map<String, Long> lastSeq = new HashMap<>();
        for (PartitionLog partition : partitions) {
            for (Payment payment : partition.payments()) {
                if (!ids.add(payment.id()) && found.size() < 10) {
                    found.add("payment " + payment.id() + " is twice in the input");
                }
                long expected = lastSeq.getOrDefault(payment.account(), 0L) + 1;
                if (payment.seq() != expected && found.size() < 10) {
                    found.add("account " + payment.account() + ": seq " + payment.seq() + " where " + expected
                            + " was due");
                }
                lastSeq.put(payment.account(), payment.seq());
            }
        }
        return found;
    }
}
