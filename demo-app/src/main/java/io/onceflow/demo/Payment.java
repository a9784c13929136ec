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

    /** The key of the balance this payment changes: one balance per account and currency. */
    public String balanceKey() {
        return Balance.key(account, currency);
    }
}
