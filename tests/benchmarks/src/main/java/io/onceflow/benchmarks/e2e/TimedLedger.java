package io.onceflow.benchmarks.e2e;

import io.onceflow.kafka.Format;
import io.onceflow.sinks.r2dbc.Row;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The ledger job of the end-to-end measurements: payments folded per account into a running balance, one balance out
 * per payment. Each payment carries a timestamp the job passes through to its balance untouched (the job stays
 * deterministic), for latency; payloads are compact binary, so that decoding costs little beside the protocol.
 */
final class TimedLedger {

    private TimedLedger() {}

    /** A payment, with an id unique over the input and the time it was meant to be sent. */
    record Payment(long id, String account, long cents, long sentNanos) {}

    /** An account's running balance, with the payment that made it. */
    record Balance(String account, long cents, long payments, long lastPaymentId, long sentNanos) {
        static Balance empty(String account) {
            return new Balance(account, 0, 0, -1, 0);
        }

        Balance apply(Payment payment) {
            return new Balance(account, cents + payment.cents(), payments + 1, payment.id(), payment.sentNanos());
        }

        /** The row of the benchmarks' {@code balances} table. */
        Row row() {
            return Row.of(
                    "account", account, "balance_cents", cents, "payments", payments, "last_payment", lastPaymentId);
        }
    }

    static final Format<Payment> PAYMENTS = new Format<>() {
        @Override
        public Payment decode(byte[] bytes) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            long id = buffer.getLong();
            long cents = buffer.getLong();
            long sent = buffer.getLong();
            return new Payment(id, new String(bytes, 24, bytes.length - 24, StandardCharsets.UTF_8), cents, sent);
        }

        @Override
        public byte[] encode(Payment payment) {
            byte[] account = payment.account().getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(24 + account.length)
                    .putLong(payment.id())
                    .putLong(payment.cents())
                    .putLong(payment.sentNanos())
                    .put(account)
                    .array();
        }
    };

    static final Format<Balance> BALANCES = new Format<>() {
        @Override
        public Balance decode(byte[] bytes) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            long cents = buffer.getLong();
            long payments = buffer.getLong();
            long last = buffer.getLong();
            long sent = buffer.getLong();
            return new Balance(
                    new String(bytes, 32, bytes.length - 32, StandardCharsets.UTF_8), cents, payments, last, sent);
        }

        @Override
        public byte[] encode(Balance balance) {
            byte[] account = balance.account().getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(32 + account.length)
                    .putLong(balance.cents())
                    .putLong(balance.payments())
                    .putLong(balance.lastPaymentId())
                    .putLong(balance.sentNanos())
                    .put(account)
                    .array();
        }
    };

    /** The sent time of a balance's payment, read from its encoded value without decoding the rest. */
    static long sentNanos(byte[] balance) {
        return ByteBuffer.wrap(balance).getLong(24);
    }

    /** The account of payment {@code id}: spread over {@code accounts}, the same for every run. */
    static String account(long id, int accounts) {
        return "acct-" + Math.floorMod(id * 2654435761L, accounts);
    }

    /** The partition of an account: co-partitioned, as keyed state requires. */
    static int partition(String account, int partitions) {
        return Math.floorMod(account.hashCode(), partitions);
    }

    /** The amount of payment {@code id}, 1 to 10,000 cents. */
    static long cents(long id) {
        return 1 + Math.floorMod(id * 40503L, 10_000);
    }

    static String quietLogging() {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
        System.setProperty("org.slf4j.simpleLogger.log.kafka", "error");
        System.setProperty("org.slf4j.simpleLogger.log.io.onceflow.testinfra", "info");
        return "warn";
    }
}
