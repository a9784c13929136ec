package io.onceflow.demo;

/**
 * One applied payment in the {@code ledger} topic (keyed by account): what was paid, and the balance after it.
 *
 * <p>An account's entries in one currency carry the sequence numbers 1, 2, 3, … in order, and each balance is the
 * previous one plus the amount: a duplicate, a lost payment or a wrong state shows in the entries alone, which is what
 * the {@link LedgerAuditor} checks.
 *
 * @param paymentId the payment applied
 * @param account the account
 * @param currency the ISO 4217 code
 * @param amountMinor the payment's amount, in minor units
 * @param balanceMinor the balance after it, in minor units
 * @param sequence the payment's number among the account's payments in this currency, from 1
 * @since 0.1
 */
public record LedgerEntry(
        String paymentId, String account, String currency, long amountMinor, long balanceMinor, long sequence) {}
