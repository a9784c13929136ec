package io.onceflow.chaos.verify;

import io.onceflow.chaos.ledger.Balance;
import io.onceflow.chaos.ledger.LedgerVariant;
import io.onceflow.chaos.ledger.Payment;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Checks exactly-once from the data alone: reads the input topic and a job's outputs, never anything the pipeline
 * reports about itself, and computes from the input what the outputs must hold.
 *
 * <p>For each variant: the committed positions (the group offsets of a Kafka commit point, the offsets table of a
 * PostgreSQL one) cut each input partition into a processed prefix and the rest. Then:
 *
 * <ul>
 *   <li>every payment of the prefix has exactly one entry, and no entry belongs to a payment outside it (entries are
 *       read with {@code read_committed}, or from the table);
 *   <li>an account's n-th entry is its n-th payment in the input: the entry's count and the payment's sequence number
 *       are both n, its payment id and running balance are the input's (a payment applied twice, or skipped, breaks
 *       the sequence of everything after it);
 *   <li>the balances table holds, per account, the sum and the count of its payments and its last payment;
 *   <li>the Kafka group offsets of a PostgreSQL commit point, written after it for lag tooling, are never ahead of it.
 * </ul>
 *
 * <p>{@link #openTransactions} looks for transactions left open, while the processors still run.
 */
public final class LedgerVerifier {

    private static final int EXAMPLES = 8;

    private final KafkaReads kafkaReads;
    private final JdbcConnections database;

    /** Opens JDBC connections to the jobs' database. */
    @FunctionalInterface
    public interface JdbcConnections {
        Connection open() throws SQLException;
    }

    public LedgerVerifier(String bootstrapServers, JdbcConnections database) {
        this.kafkaReads = new KafkaReads(bootstrapServers);
        this.database = database;
    }

    // ---- the input ----

    /** Reads the whole input topic. */
    public InputLog readInput() {
        Map<Integer, List<ConsumerRecord<byte[], byte[]>>> records = readTopic(LedgerVariant.INPUT_TOPIC, true);
        List<InputLog.PartitionLog> partitions = new ArrayList<>();
        for (int p = 0; p < records.size(); p++) {
            List<Payment> payments = new ArrayList<>();
            List<Long> offsets = new ArrayList<>();
            long end = 0;
            for (ConsumerRecord<byte[], byte[]> record : records.get(p)) {
                payments.add(Payment.decode(record.value()));
                offsets.add(record.offset());
                end = record.offset() + 1;
            }
            partitions.add(new InputLog.PartitionLog(payments, offsets, end));
        }
        return new InputLog(partitions);
    }

    // ---- one variant ----

    /** Everything this class checks, for {@code variant}. */
    public Verdict verify(LedgerVariant variant, InputLog input) throws Exception {
        List<String> examples = new ArrayList<>();
        long[] positions = committedPositions(variant, input.partitions().size());

        // the processed prefix, per account, in the order the job must have applied it
        Map<String, List<Payment>> expected = new HashMap<>();
        Set<Long> prefixIds = new HashSet<>();
        long processed = 0;
        long notProcessed = 0;
        for (int p = 0; p < input.partitions().size(); p++) {
            InputLog.PartitionLog partition = input.partitions().get(p);
            List<Payment> prefix = partition.prefix(positions[p]);
            processed += prefix.size();
            notProcessed += partition.payments().size() - prefix.size();
            for (Payment payment : prefix) {
                expected.computeIfAbsent(payment.account(), a -> new ArrayList<>())
                        .add(payment);
                prefixIds.add(payment.id());
            }
        }
        if (notProcessed > 0) {
            examples.add(notProcessed + " payments after the committed positions " + Arrays.toString(positions));
        }

        Map<String, List<Balance>> entries = variant.kafkaCommitPoint() ? topicEntries(variant) : tableEntries(variant);
        long entryCount = entries.values().stream().mapToLong(List::size).sum();

        // one effect per payment of the prefix
        Map<Long, Integer> effects = new HashMap<>();
        entries.values().forEach(list -> list.forEach(e -> effects.merge(e.lastPaymentId(), 1, Integer::sum)));
        long duplicates = 0;
        for (Map.Entry<Long, Integer> effect : effects.entrySet()) {
            if (!prefixIds.contains(effect.getKey())) {
                duplicates += effect.getValue();
                example(examples, "an entry of payment " + effect.getKey() + ", which is not in the processed prefix");
            } else if (effect.getValue() > 1) {
                duplicates += effect.getValue() - 1;
                example(examples, "payment " + effect.getKey() + " has " + effect.getValue() + " entries");
            }
        }
        long losses = 0;
        for (long id : prefixIds) {
            if (!effects.containsKey(id)) {
                losses++;
                example(examples, "payment " + id + " has no entry");
            }
        }

        // each account's entries in the input's order, with the input's running balance
        long breaks = 0;
        for (Map.Entry<String, List<Balance>> account : entries.entrySet()) {
            List<Payment> payments = expected.getOrDefault(account.getKey(), List.of());
            List<Balance> actual = account.getValue();
            long sum = 0;
            for (int i = 0; i < actual.size(); i++) {
                Balance entry = actual.get(i);
                Payment payment = i < payments.size() ? payments.get(i) : null;
                sum += payment != null ? payment.amountCents() : 0;
                boolean right = payment != null
                        && entry.payments() == i + 1
                        && entry.lastSeq() == payment.seq()
                        && payment.seq() == i + 1
                        && entry.lastPaymentId() == payment.id()
                        && entry.cents() == sum;
                if (!right) {
                    breaks++;
                    example(
                            examples,
                            "account " + account.getKey() + " entry " + (i + 1) + " is " + entry + ", the input has "
                                    + (payment == null ? "no such payment" : payment + " (balance " + sum + ")"));
                }
            }
        }

        // the balances table
        Map<String, Balance> rows = balances(variant);
        long wrongBalances = 0;
        for (Map.Entry<String, List<Payment>> account : expected.entrySet()) {
            List<Payment> payments = account.getValue();
            Payment last = payments.get(payments.size() - 1);
            long sum = payments.stream().mapToLong(Payment::amountCents).sum();
            Balance row = rows.get(account.getKey());
            long counted = row == null ? 0 : row.payments();
            if (counted > payments.size()) {
                duplicates += counted - payments.size();
            } else if (counted < payments.size()) {
                losses += payments.size() - counted;
            }
            if (row == null
                    || row.cents() != sum
                    || row.payments() != payments.size()
                    || row.lastSeq() != last.seq()
                    || row.lastPaymentId() != last.id()) {
                wrongBalances++;
                example(
                        examples,
                        "balances row of " + account.getKey() + " is " + row + ", the input sums to " + sum + " over "
                                + payments.size() + " payments, the last " + last.id());
            }
        }
        for (String account : rows.keySet()) {
            if (!expected.containsKey(account)) {
                wrongBalances++;
                duplicates += rows.get(account).payments();
                example(examples, "balances row of " + account + ", which has no processed payment");
            }
        }

        long groupOffsetsAhead = variant.kafkaCommitPoint() ? 0 : groupOffsetsAhead(variant, positions, examples);
        return new Verdict(
                variant,
                input.size(),
                processed,
                notProcessed,
                entryCount,
                duplicates,
                losses,
                breaks,
                wrongBalances,
                groupOffsetsAhead,
                examples);
    }

    /** The positions the job's commit point holds, by input partition (0 where none). */
    public long[] committedPositions(LedgerVariant variant, int partitions) throws Exception {
        long[] positions = new long[partitions];
        if (variant.kafkaCommitPoint()) {
            groupOffsets(variant.pipeline(), true).forEach((partition, offset) -> positions[partition] = offset);
            return positions;
        }
        try (Connection connection = database.open();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT source_partition, next_offset FROM onceflow_offsets WHERE pipeline = ? AND source = ?"
                                + " AND next_offset IS NOT NULL")) {
            statement.setString(1, variant.pipeline());
            statement.setString(2, LedgerVariant.INPUT_TOPIC);
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    positions[result.getInt(1)] = result.getLong(2);
                }
            }
        }
        return positions;
    }

    private long groupOffsetsAhead(LedgerVariant variant, long[] positions, List<String> examples) throws Exception {
        long ahead = 0;
        for (Map.Entry<Integer, Long> offset :
                groupOffsets(variant.pipeline(), false).entrySet()) {
            if (offset.getValue() > positions[offset.getKey()]) {
                ahead++;
                example(
                        examples,
                        "group offset of partition " + offset.getKey() + " is " + offset.getValue()
                                + ", the commit point's position " + positions[offset.getKey()]);
            }
        }
        return ahead;
    }

    private Map<Integer, Long> groupOffsets(String group, boolean requireStable) throws Exception {
        return kafkaReads.groupOffsets(group, LedgerVariant.INPUT_TOPIC, requireStable);
    }

    // ---- outputs ----

    /** The entries topic with read_committed, by account, in log order (an account's entries share a partition). */
    private Map<String, List<Balance>> topicEntries(LedgerVariant variant) {
        Map<String, List<Balance>> byAccount = new LinkedHashMap<>();
        readTopic(variant.entriesTopic(), true).values().forEach(records -> {
            for (ConsumerRecord<byte[], byte[]> record : records) {
                Balance entry = Balance.decode(record.value());
                byAccount
                        .computeIfAbsent(entry.account(), a -> new ArrayList<>())
                        .add(entry);
            }
        });
        return byAccount;
    }

    /** The entries table, by account, in the order of the entries' numbers. */
    private Map<String, List<Balance>> tableEntries(LedgerVariant variant) throws SQLException {
        Map<String, List<Balance>> byAccount = new LinkedHashMap<>();
        try (Connection connection = database.open()) {
            connection.setAutoCommit(false); // a cursor: the table may hold millions of rows
            try (PreparedStatement statement =
                    connection.prepareStatement("SELECT account, n, seq, payment_id, amount_cents, balance_cents FROM "
                            + variant.entriesTable() + " ORDER BY account, n")) {
                statement.setFetchSize(10_000);
                try (ResultSet result = statement.executeQuery()) {
                    while (result.next()) {
                        Balance entry = new Balance(
                                result.getString(1),
                                result.getLong(6),
                                result.getLong(2),
                                result.getLong(3),
                                result.getLong(4),
                                result.getLong(5));
                        byAccount
                                .computeIfAbsent(entry.account(), a -> new ArrayList<>())
                                .add(entry);
                    }
                }
            } finally {
                connection.rollback();
            }
        }
        return byAccount;
    }

    private Map<String, Balance> balances(LedgerVariant variant) throws SQLException {
        Map<String, Balance> rows = new HashMap<>();
        try (Connection connection = database.open();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT account, balance_cents, payments, last_seq, last_payment_id FROM "
                                + variant.balancesTable());
                ResultSet result = statement.executeQuery()) {
            while (result.next()) {
                rows.put(
                        result.getString(1),
                        new Balance(
                                result.getString(1),
                                result.getLong(2),
                                result.getLong(3),
                                result.getLong(4),
                                result.getLong(5),
                                0));
            }
        }
        return rows;
    }

    // ---- open transactions ----

    /**
     * Looks for transactions the jobs left open: output and changelog partitions of the Kafka commit points whose last
     * stable offset stays below the high watermark for {@code kafkaWait} (a crashed producer's transaction is aborted
     * when its instance restarts, or after the transaction timeout), and database sessions idle in a transaction for
     * over 10 seconds. Call it while the processors run, caught up and idle.
     */
    public OpenTransactions openTransactions(List<LedgerVariant> variants, Duration kafkaWait) throws Exception {
        List<String> details = new ArrayList<>();
        List<String> topics = new ArrayList<>();
        for (LedgerVariant variant : variants) {
            if (variant.kafkaCommitPoint()) {
                topics.add(variant.entriesTopic());
                topics.add(variant.pipeline() + "-changelog");
            }
        }
        long kafka = 0;
        if (!topics.isEmpty()) {
            long deadline = System.nanoTime() + kafkaWait.toNanos();
            Map<TopicPartition, long[]> open;
            do {
                open = unstablePartitions(topics);
                if (open.isEmpty()) {
                    break;
                }
                Thread.sleep(500);
            } while (System.nanoTime() < deadline);
            kafka = open.size();
            open.forEach((partition, offsets) ->
                    details.add(partition + ": last stable offset " + offsets[0] + " < high watermark " + offsets[1]));
        }
        long postgres = 0;
        for (int sample = 0; sample < 3; sample++) {
            postgres = Math.max(postgres, idleInTransaction(details));
            Thread.sleep(1_000);
        }
        return new OpenTransactions(kafka, postgres, details);
    }

    private Map<TopicPartition, long[]> unstablePartitions(List<String> topics) {
        Map<TopicPartition, long[]> unstable = new LinkedHashMap<>();
        try (KafkaConsumer<byte[], byte[]> committed = kafkaReads.consumer(true);
                KafkaConsumer<byte[], byte[]> uncommitted = kafkaReads.consumer(false)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                for (PartitionInfo info : committed.partitionsFor(topic, Duration.ofSeconds(30))) {
                    partitions.add(new TopicPartition(topic, info.partition()));
                }
            }
            Map<TopicPartition, Long> stable = committed.endOffsets(partitions, Duration.ofSeconds(30));
            Map<TopicPartition, Long> high = uncommitted.endOffsets(partitions, Duration.ofSeconds(30));
            for (TopicPartition partition : partitions) {
                if (stable.get(partition) < high.get(partition)) {
                    unstable.put(partition, new long[] {stable.get(partition), high.get(partition)});
                }
            }
        }
        return unstable;
    }

    private long idleInTransaction(List<String> details) throws SQLException {
        long count = 0;
        try (Connection connection = database.open();
                PreparedStatement statement = connection.prepareStatement("SELECT pid, application_name, query,"
                        + " now() - state_change FROM pg_stat_activity WHERE datname = current_database()"
                        + " AND state LIKE 'idle in transaction%' AND state_change < now() - interval '10 seconds'");
                ResultSet result = statement.executeQuery()) {
            while (result.next()) {
                count++;
                details.add("PostgreSQL session " + result.getInt(1) + " idle in a transaction for "
                        + result.getString(4) + " after: " + result.getString(3));
            }
        }
        return count;
    }

    // ---- Kafka reading ----

    /** Every record of {@code topic} up to its end, by partition, in offset order. */
    private Map<Integer, List<ConsumerRecord<byte[], byte[]>>> readTopic(String topic, boolean readCommitted) {
        return kafkaReads.readTopic(topic, readCommitted);
    }

    private static void example(List<String> examples, String problem) {
        if (examples.size() < EXAMPLES) {
            examples.add(problem);
        }
    }
}
