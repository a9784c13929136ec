package io.onceflow.demo;

import java.math.BigDecimal;
import java.util.Currency;

/**
 * Amounts between a currency's major unit (what people write: 12.50 EUR) and its minor unit (what the ledger adds
 * up: 1250 cents), exactly: no floating point anywhere.
 *
 * @since 0.1
 */
public final class Money {

    private Money() {}

    /** The amount in minor units; the amount must have no more decimal places than the currency. */
    public static long toMinor(String currency, BigDecimal amount) {
        return amount.movePointRight(digits(currency)).longValueExact();
    }

    /**
     * The amount with the currency's decimal places ({@code 12.5} EUR is {@code 12.50}); the amount must have no
     * more decimal places than the currency, and a bounded exponent (see {@link PaymentRules#check}).
     */
    public static BigDecimal normalize(String currency, BigDecimal amount) {
        return amount.setScale(digits(currency));
    }

    /** The amount in the major unit, with the currency's decimal places. */
    public static BigDecimal toMajor(String currency, long minor) {
        return BigDecimal.valueOf(minor, digits(currency));
    }

    private static int digits(String currency) {
        return Math.max(0, Currency.getInstance(currency).getDefaultFractionDigits());
    }
}
