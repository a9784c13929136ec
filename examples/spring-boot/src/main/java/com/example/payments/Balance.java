package com.example.payments;

import io.onceflow.sinks.r2dbc.Row;

/**
 * An account's balance: the state the pipeline keeps per account, and a row of the {@code balances} table.
 *
 * @param account the account
 * @param cents the sum of its payments, in cents
 * @param payments how many payments it has had
 */
public record Balance(String account, long cents, long payments) {

    /** The balance of an account seen for the first time: the keyed operator calls it with the key. */
    public static Balance empty(String account) {
        return new Balance(account, 0, 0);
    }

    /** This balance after {@code payment}. */
    public Balance apply(Payment payment) {
        return new Balance(account, cents + payment.amountCents(), payments + 1);
    }

    /** The table row: {@code CREATE TABLE balances (account text PRIMARY KEY, cents bigint, payments bigint)}. */
    public Row row() {
        return Row.of("account", account, "cents", cents, "payments", payments);
    }
}
