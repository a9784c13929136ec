package io.onceflow.demo;

import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/**
 * A payment as it travels on the payments topic, in JSON: {@code {"id":"…","account":"alice","amount":12.50,
 * "currency":"EUR"}}, keyed by account so that an account's payments share a partition (its balance is keyed state of
 * that partition).
 *
 * <p>Anything may arrive on a topic, so every field may be missing: {@link PaymentRules#validate} turns a message into
 * a {@link Payment} or refuses it, and a refused one becomes a dead letter.
 *
 * @param id unique per payment
 * @param account the account credited
 * @param amount in the currency's major unit, at most its number of decimal places
 * @param currency an ISO 4217 code the ledger accepts
 * @since 0.1
 */
public record PaymentMessage(
        @Nullable String id,
        @Nullable String account,
        @Nullable BigDecimal amount,
        @Nullable String currency) {}
