package io.onceflow.demo;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The ledger's rules for a payment, in one place: the REST API checks them before it sends a payment, and the
 * pipeline checks them again on everything the topic delivers (a producer other than this API may write to it).
 *
 * <p>The rules are constants, not settings: the pipeline must decide the same way when it replays a payment after a
 * restart as it did the first time, or a replay could write what the first attempt did not.
 *
 * @since 0.1
 */
public final class PaymentRules {

    /** The currencies the ledger keeps balances in. */
    public static final Set<String> CURRENCIES = Set.of("EUR", "GBP", "JPY", "USD");

    /** The largest amount of one payment, in the major unit of any currency. */
    public static final BigDecimal MAX_AMOUNT = new BigDecimal("1000000");

    private static final Pattern ACCOUNT = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern CODE = Pattern.compile("[A-Z]{3}");

    private PaymentRules() {}

    /** The rules a payment breaks, in field order; empty when it is valid. */
    public static List<Violation> check(
            @Nullable String account, @Nullable BigDecimal amount, @Nullable String currency) {
        List<Violation> violations = new ArrayList<>(3);
        if (account == null || account.isBlank()) {
            violations.add(new Violation("account", "is required"));
        } else if (!ACCOUNT.matcher(account).matches()) {
            violations.add(new Violation("account", "must be 1 to 64 letters, digits, '_' or '-'"));
        }
        Currency known = checkCurrency(currency, violations);
        if (amount == null) {
            violations.add(new Violation("amount", "is required"));
        } else if (amount.signum() <= 0) {
            violations.add(new Violation("amount", "must be positive, was " + amount.toPlainString()));
        } else if (amount.compareTo(MAX_AMOUNT) > 0) {
            violations.add(new Violation("amount", "must be at most " + MAX_AMOUNT.toPlainString()));
        } else if (known != null && amount.stripTrailingZeros().scale() > known.getDefaultFractionDigits()) {
            violations.add(new Violation(
                    "amount",
                    "must have at most " + known.getDefaultFractionDigits() + " decimal places in " + currency));
        }
        violations.sort((a, b) -> Integer.compare(order(a.field()), order(b.field())));
        return violations;
    }

    /**
     * The valid payment a message carries.
     *
     * @throws InvalidPaymentException naming every broken rule
     */
    public static Payment validate(PaymentMessage message) {
        List<Violation> violations = check(message.account(), message.amount(), message.currency());
        String id = message.id();
        if (id == null || id.isBlank()) {
            violations.add(0, new Violation("id", "is required"));
        }
        if (!violations.isEmpty()) {
            throw new InvalidPaymentException(violations);
        }
        // all three were checked just above
        String currency = requireNonNull(message.currency());
        BigDecimal amount = requireNonNull(message.amount());
        return new Payment(
                requireNonNull(id), requireNonNull(message.account()), currency, Money.toMinor(currency, amount));
    }

    /** Whether a message is a valid payment: what the audit expects the ledger to hold. */
    public static boolean isValid(PaymentMessage message) {
        try {
            validate(message);
            return true;
        } catch (InvalidPaymentException e) {
            return false;
        }
    }

    private static @Nullable Currency checkCurrency(@Nullable String code, List<Violation> violations) {
        if (code == null || code.isBlank()) {
            violations.add(new Violation("currency", "is required"));
            return null;
        }
        Currency currency = null;
        if (CODE.matcher(code).matches()) {
            try {
                currency = Currency.getInstance(code);
            } catch (IllegalArgumentException e) {
                // not an ISO 4217 code: reported below
            }
        }
        if (currency == null) {
            violations.add(new Violation("currency", "unknown currency code '" + code + "'"));
            return null;
        }
        if (!CURRENCIES.contains(code)) {
            violations.add(new Violation("currency", code + " is not kept by this ledger; use one of " + currencies()));
            return null;
        }
        return currency;
    }

    private static String currencies() {
        return String.join(", ", CURRENCIES.stream().sorted().toList());
    }

    private static int order(String field) {
        return switch (field) {
            case "id" -> 0;
            case "account" -> 1;
            case "amount" -> 2;
            default -> 3;
        };
    }
}
