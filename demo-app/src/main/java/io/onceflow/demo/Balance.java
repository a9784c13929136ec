package io.onceflow.demo;

import io.onceflow.sinks.r2dbc.Row;
import java.util.List;

/**
 * The running balance of one account in one currency: the pipeline's keyed state, and the row it keeps in the
 * {@code balances} table. Each payment yields the next balance, which also names the payment that made it, so the
 * ledger entry and the audit can be derived from it alone.
 *
 * @param account the account
 * @param currency the ISO 4217 code
 * @param balanceMinor the balance in minor units
 * @param payments how many payments made it: the sequence number of the last one, 1 for the first
 * @param lastPaymentId the id of the last payment applied; empty before the first
 * @param lastAmountMinor the amount of the last payment applied
 * @since 0.1
 */
public record Balance(
        String account, String currency, long balanceMinor, long payments, String lastPaymentId, long lastAmountMinor) {

    private static final char SEPARATOR = '/';

    /** The state key of an account's balance in a currency; account names cannot contain the separator. */
    public static String key(String account, String currency) {
        return account + SEPARATOR + currency;
    }

    /** The account of a balance's key. */
    public static String accountOf(String key) {
        return key.substring(0, key.lastIndexOf(SEPARATOR));
    }

    /** The balance of a key seen for the first time: zero. */
    public static Balance opening(String key) {
        int at = key.lastIndexOf(SEPARATOR);
        return new Balance(key.substring(0, at), key.substring(at + 1), 0, 0, "", 0);
    }

    /** The balance after one more payment. */
    public Balance apply(Payment payment) {
        return new Balance(
                account,
                currency,
                Math.addExact(balanceMinor, payment.amountMinor()),
                payments + 1,
                payment.id(),
                payment.amountMinor());
    }

    /** The columns of its row in {@code balances}; the version columns are the sink's. */
    public Row row() {
        return Row.of(
                new String[] {"account", "currency", "balance_minor", "payments", "last_payment_id"},
                new Object[] {account, currency, balanceMinor, payments, lastPaymentId});
    }

    /**
     * The key of its row in {@code balances}, in the sink's {@code key(...)} order: what lets the sink keep the newest
     * balance of each key in a checkpoint and make the row of that one only.
     */
    public List<String> rowKey() {
        return List.of(account, currency);
    }

    /** The entry this balance makes in the ledger topic. */
    public LedgerEntry entry() {
        return new LedgerEntry(lastPaymentId, account, currency, lastAmountMinor, balanceMinor, payments);
    }
}
