package com.example.ledger;

/**
 * A payment into an account.
 *
 * @param account the account it is paid into
 * @param amountCents the amount, in cents
 */
public record Payment(String account, long amountCents) {}
