package io.onceflow.demo;

/**
 * A valid payment: what the pipeline folds into a balance.
 *
 * @param id unique per payment
 * @param account the account credited
 * @param currency the ISO 4217 code
 * @param amountMinor the amount in the currency's minor unit (cents for EUR, yen for JPY), positive
 * @since 0.1
 */
public record Payment(String id, String account, String currency, long amountMinor) {

    /**
     * What identifies the payment to the ledger: its account and id. The ledger applies a payment once per account
     * and id (see {@link LedgerPipeline#DEDUPLICATION_RETENTION}); the same id for another account is another
     * payment, since ids are the clients' (an {@code Idempotency-Key}) and the account's partition keeps them.
     */
    public String paymentKey() {
        return account + '/' + id;
    }

    /** The key of the balance this payment changes: one balance per account and currency. */
    public String balanceKey() {
        return Balance.key(account, currency);
    }
}
