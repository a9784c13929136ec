package io.onceflow.it.r2dbc;

import io.onceflow.core.Origin;
import io.onceflow.sinks.r2dbc.Row;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * The keyed ledger the R2DBC tests run: payments per account, co-partitioned by account, folded into a running
 * balance that remembers the last payment applied; and the independent computation of what a table must hold.
 */
final class Ledger {

    static final String BALANCES_DDL = "CREATE TABLE balances (account text PRIMARY KEY, balance_cents bigint NOT NULL,"
            + " payments bigint NOT NULL, last_payment bigint NOT NULL)";

    /** With the idempotent mode's version columns. */
    static final String VERSIONED_BALANCES_DDL = "CREATE TABLE balances (account text PRIMARY KEY,"
            + " balance_cents bigint NOT NULL, payments bigint NOT NULL, last_payment bigint NOT NULL,"
            + " onceflow_partition text, onceflow_offset bigint, onceflow_ordinal integer NOT NULL DEFAULT 0)";

    static final Function<Balance, Row> COLUMNS = b -> Row.of(
            "account",
            b.account(),
            "balance_cents",
            b.cents(),
            "payments",
            b.payments(),
            "last_payment",
            b.lastPaymentId());

    private Ledger() {}

    /** A payment with an id unique over the input. */
    record Payment(long id, String account, long cents) {}

    /** A running balance with the id of the payment that produced it. */
    record Balance(String account, long cents, long payments, long lastPaymentId) {
        static Balance empty(String account) {
            return new Balance(account, 0, 0, -1);
        }

        Balance apply(Payment payment) {
            return new Balance(account, cents + payment.cents(), payments + 1, payment.id());
        }
    }

    /** The input: payments by partition, in offset order; an account always goes to the same partition. */
    static List<List<Payment>> payments(int count, int accounts, int partitions, long seed) {
        Random random = new Random(seed);
        List<List<Payment>> byPartition = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            byPartition.add(new ArrayList<>());
        }
        for (long id = 0; id < count; id++) {
            String account = "acct-" + random.nextInt(accounts);
            byPartition.get(partition(account, partitions)).add(new Payment(id, account, 1 + random.nextInt(10_000)));
        }
        return byPartition;
    }

    static int partition(String account, int partitions) {
        return Math.floorMod(account.hashCode(), partitions);
    }

    /**
     * What the balances table must hold after exactly the first {@code nextOffsets[p]} payments of each partition
     * {@code p}: computed from the input, independently of the pipeline.
     */
    static Map<String, Balance> expected(List<List<Payment>> input, long[] nextOffsets) {
        Map<String, Balance> balances = new HashMap<>();
        for (int p = 0; p < input.size(); p++) {
            List<Payment> partition = input.get(p);
            for (int offset = 0; offset < nextOffsets[p]; offset++) {
                Payment payment = partition.get(offset);
                balances.computeIfAbsent(payment.account(), Balance::empty);
                balances.put(payment.account(), balances.get(payment.account()).apply(payment));
            }
        }
        return balances;
    }

    /** The version an idempotent sink writes for a record. */
    static String partitionVersion(Origin origin) {
        return origin.source() + "-" + origin.partition();
    }
}
