package io.onceflow.core;

/** The payments ledger the tests run: a payment per account, and a running balance. */
final class Ledger {

    private Ledger() {}

    record Payment(String account, long amountCents) {}

    record Balance(String account, long cents, long payments) {
        static Balance empty(String account) {
            return new Balance(account, 0, 0);
        }

        Balance apply(Payment payment) {
            return new Balance(account, cents + payment.amountCents(), payments + 1);
        }
    }

    static Payment payment(String account, long cents) {
        return new Payment(account, cents);
    }

    static Balance balance(String account, long cents, long payments) {
        return new Balance(account, cents, payments);
    }
}
