package io.onceflow.benchmarks.r2dbc;

import io.onceflow.sinks.r2dbc.Row;
import java.util.Random;

/** The benchmark's job: payments folded per account into a running balance, written to {@code balances}. */
final class Ledger {

    /**
     * The output table of every PostgreSQL benchmark, Onceflow's and the JDBC and R2DBC loops' alike, with the version
     * columns of the idempotent mode, which (b) writes and the others leave empty. Created with
     * room in each page for updates (fillfactor 50, as reactive-sinks/README.md tells users to create a table whose
     * rows a keyed job updates again and again), so that an account's new version is a heap-only update; until
     * 2026-12-06 it was packed full. {@code -Dbench.balances.fillfactor=100} measures the other way.
     */
    static final String BALANCES_DDL = "CREATE TABLE balances (account text PRIMARY KEY, balance_cents bigint NOT NULL,"
            + " payments bigint NOT NULL, last_payment bigint NOT NULL, onceflow_partition text,"
            + " onceflow_offset bigint, onceflow_ordinal integer) WITH (fillfactor = "
            + Integer.getInteger("bench.balances.fillfactor", 50) + ")";

    private Ledger() {}

    record Payment(long id, String account, long cents) {}

    record Balance(String account, long cents, long payments, long lastPaymentId) {
        static Balance empty(String account) {
            return new Balance(account, 0, 0, -1);
        }

        Balance apply(Payment payment) {
            return new Balance(account, cents + payment.cents(), payments + 1, payment.id());
        }

        Row row() {
            return Row.of(
                    "account", account, "balance_cents", cents, "payments", payments, "last_payment", lastPaymentId);
        }
    }

    /**
     * {@code records} payments over {@code keys} accounts, by partition in offset order; an account always goes to the
     * same partition (co-partitioned, as keyed state requires).
     */
    static Payment[][] generate(int records, int keys, int partitions, long seed) {
        Random random = new Random(seed);
        String[] accounts = new String[keys];
        for (int k = 0; k < keys; k++) {
            accounts[k] = "acct-" + k;
        }
        int[] counts = new int[partitions];
        int[] accountPartition = new int[keys];
        int[] picks = new int[records];
        for (int i = 0; i < records; i++) {
            picks[i] = random.nextInt(keys);
        }
        for (int k = 0; k < keys; k++) {
            accountPartition[k] = Math.floorMod(accounts[k].hashCode(), partitions);
        }
        for (int pick : picks) {
            counts[accountPartition[pick]]++;
        }
        Payment[][] byPartition = new Payment[partitions][];
        for (int p = 0; p < partitions; p++) {
            byPartition[p] = new Payment[counts[p]];
        }
        int[] filled = new int[partitions];
        Random amounts = new Random(seed + 1);
        for (int i = 0; i < records; i++) {
            int p = accountPartition[picks[i]];
            byPartition[p][filled[p]++] = new Payment(i, accounts[picks[i]], 1 + amounts.nextInt(10_000));
        }
        return byPartition;
    }
}
