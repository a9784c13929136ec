package io.onceflow.demo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import org.apache.kafka.common.utils.Utils;
import org.jspecify.annotations.Nullable;

/**
 * What the ledger must do with each record of the payments topic, decided by the audit from the topic alone: the
 * ledger's rules written down a second time, apart from the pipeline's operators, so that the audit checks them
 * rather than trusts them.
 *
 * <ol>
 *   <li>A record that does not read as a valid payment ({@link PaymentRules}): a dead letter.
 *   <li>A valid payment whose account and id were seen in its partition less than the retention before (by the
 *       record timestamps: a partition's watermark is the highest timestamp of the payments let through; a key is
 *       forgotten once the watermark is the retention past its first record), or that is itself the retention or
 *       more behind the watermark: a dead letter. Otherwise its account and id are remembered.
 *   <li>A valid payment read from another partition than its account's (Kafka's default partitioner on the account,
 *       the key the payments are produced with): a dead letter.
 *   <li>Any other: a ledger entry.
 * </ol>
 *
 * <p>Memory: the payment keys of one retention per partition, as the pipeline keeps. Not thread-safe.
 *
 * @since 0.2
 */
final class AuditExpectations {

    /** What a payments record must become. */
    enum Effect {
        /** A ledger entry: a valid payment, applied. */
        ENTRY,
        /** A dead letter: the record does not read, or breaks a rule. */
        INVALID,
        /** A dead letter: the account's payment id was seen within the retention, or the record is too late to tell. */
        REPEATED,
        /** A dead letter: the payment was read from another partition than its account's. */
        MISROUTED
    }

    private final int partitions;
    private final long retentionMillis;
    private final Map<Integer, Partition> byPartition = new HashMap<>();

    /**
     * @param partitions how many partitions the payments topic has
     * @param retention how long a payment's account and id are remembered
     */
    AuditExpectations(int partitions, Duration retention) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, was " + partitions);
        }
        this.partitions = partitions;
        this.retentionMillis = retention.toMillis();
    }

    /** The effect the record at {@code partition} with {@code timestamp} must have; {@code payment} null if invalid. */
    Effect expect(int partition, long timestamp, @Nullable Payment payment) {
        if (payment == null) {
            return Effect.INVALID;
        }
        Partition seen = byPartition.computeIfAbsent(partition, p -> new Partition());
        String key = payment.account() + '/' + payment.id();
        if (seen.firstSeen.containsKey(key) || timestamp <= behind(seen.watermark)) {
            return Effect.REPEATED;
        }
        seen.firstSeen.put(key, timestamp);
        seen.byTime.add(new First(timestamp, key));
        if (timestamp > seen.watermark) {
            seen.watermark = timestamp;
            long forgetUpTo = behind(timestamp);
            while (!seen.byTime.isEmpty() && seen.byTime.peek().timestamp() <= forgetUpTo) {
                seen.firstSeen.remove(seen.byTime.poll().key());
            }
        }
        return home(payment.account()) == partition ? Effect.ENTRY : Effect.MISROUTED;
    }

    /** The time a retention before {@code watermark}: records at or before it are too late. */
    private long behind(long watermark) {
        long behind = watermark - retentionMillis;
        return watermark == Long.MIN_VALUE || behind > watermark ? Long.MIN_VALUE : behind;
    }

    /** The partition Kafka's default producer sends a record keyed by {@code account} to. */
    int home(String account) {
        return Utils.toPositive(Utils.murmur2(account.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** Payment keys remembered, over all partitions. */
    int remembered() {
        return byPartition.values().stream().mapToInt(p -> p.firstSeen.size()).sum();
    }

    private record First(long timestamp, String key) {}

    private static final class Partition {
        final Map<String, Long> firstSeen = new HashMap<>();
        final PriorityQueue<First> byTime = new PriorityQueue<>(Comparator.comparingLong(First::timestamp));
        long watermark = Long.MIN_VALUE;
    }
}
