package io.onceflow.benchmarks.r2dbc;

import io.onceflow.benchmarks.r2dbc.Ledger.Balance;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * (c) The practical limit: a hand-written JDBC loop. The balance is folded in a map; each interval, the changed
 * balances are upserted in a pgjdbc batch ({@code reWriteBatchedInserts=true}: multi-row inserts) and the offsets
 * are written, in one transaction. No keyed state is written: a restart would have to rebuild it.
 */
final class JdbcLedger {

    private static final String UPSERT = "INSERT INTO balances (account, balance_cents, payments, last_payment)"
            + " VALUES (?, ?, ?, ?) ON CONFLICT (account) DO UPDATE SET balance_cents = EXCLUDED.balance_cents,"
            + " payments = EXCLUDED.payments, last_payment = EXCLUDED.last_payment";
    private static final String OFFSETS = "INSERT INTO plain_offsets (source_partition, next_offset) VALUES (?, ?)"
            + " ON CONFLICT (source_partition) DO UPDATE SET next_offset = EXCLUDED.next_offset";

    private JdbcLedger() {}

    static Result run(LedgerInput input, BenchDatabase db, Duration flushEvery) throws Exception {
        long interval = flushEvery.toNanos();
        try (Connection connection = db.connect(true);
                PreparedStatement upsert = connection.prepareStatement(UPSERT);
                PreparedStatement offsets = connection.prepareStatement(OFFSETS)) {
            connection.setAutoCommit(false);
            Map<String, Balance> state = new HashMap<>();
            Map<String, Balance> changed = new LinkedHashMap<>();
            long[] next = new long[input.partitions()];
            long[] records = {0};
            Result.Commits commits = new Result.Commits();
            long[] lastFlush = {System.nanoTime()};
            long[] flushed = {0};
            input.read((partition, offset, payment) -> {
                Balance balance =
                        state.computeIfAbsent(payment.account(), Balance::empty).apply(payment);
                state.put(payment.account(), balance);
                changed.put(payment.account(), balance);
                next[partition] = offset + 1;
                records[0]++;
                long now = System.nanoTime();
                if (now - lastFlush[0] >= interval) {
                    flush(connection, upsert, offsets, changed, next);
                    commits.committed(records[0] - flushed[0]);
                    flushed[0] = records[0];
                    lastFlush[0] = now;
                }
            });
            flush(connection, upsert, offsets, changed, next);
            commits.committed(records[0] - flushed[0]);
            return commits.result(records[0]);
        }
    }

    private static void flush(
            Connection connection,
            PreparedStatement upsert,
            PreparedStatement offsets,
            Map<String, Balance> changed,
            long[] next)
            throws Exception {
        for (Balance balance : changed.values()) {
            upsert.setString(1, balance.account());
            upsert.setLong(2, balance.cents());
            upsert.setLong(3, balance.payments());
            upsert.setLong(4, balance.lastPaymentId());
            upsert.addBatch();
        }
        upsert.executeBatch();
        for (int p = 0; p < next.length; p++) {
            offsets.setInt(1, p);
            offsets.setLong(2, next[p]);
            offsets.addBatch();
        }
        offsets.executeBatch();
        connection.commit();
        changed.clear();
    }
}
