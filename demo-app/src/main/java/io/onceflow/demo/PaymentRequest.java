package io.onceflow.demo;

import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/**
 * The body of {@code POST /payments}: {@code {"account":"alice","amount":12.50,"currency":"EUR"}}. The server gives
 * the payment its id. Fields are nullable here because a client may leave them out: {@link PaymentRules} names each
 * missing or wrong one in the 400 response.
 *
 * @param account the account credited: 1 to 64 letters, digits, {@code _} or {@code -}
 * @param amount positive, at most 1,000,000, with no more decimal places than the currency has
 * @param currency one of the ledger's currencies (EUR, GBP, JPY, USD)
 * @since 0.1
 */
public record PaymentRequest(
        @Nullable String account,
        @Nullable BigDecimal amount,
        @Nullable String currency) {}
