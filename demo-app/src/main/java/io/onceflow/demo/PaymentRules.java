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

    /**
     * The most digits an amount may be written with, and the largest exponent either way: an amount is checked
     * against these before anything formats, rounds or compares it, since {@code 1e999999999} is a small JSON number
     * whose plain form has a billion digits.
     */
    public static final int MAX_DIGITS = 40;

    /** The longest payment id, in characters. */
    public static final int MAX_ID = 100;

    private static final Pattern ACCOUNT = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern CODE = Pattern.compile("[A-Z]{3}");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1," + MAX_ID + "}");

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
        } else if (amount.precision() > MAX_DIGITS || Math.abs(amount.scale()) > MAX_DIGITS) {
            // before anything formats it: its plain form may not fit in memory; nor is it echoed
            violations.add(new Violation(
                    "amount",
                    "must be a decimal number of at most " + MAX_DIGITS + " digits, with an exponent between -"
                            + MAX_DIGITS + " and " + MAX_DIGITS + ", like 12.50"));
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
     * What is wrong with a payment id (or an {@code Idempotency-Key}, which becomes one), named {@code field}; empty
     * when it is fine: 1 to {@value #MAX_ID} letters, digits, {@code .}, {@code _}, {@code :} or {@code -}, so that an
     * id is printable everywhere it goes (a header, a log line, a text column of PostgreSQL, which refuses U+0000).
     */
    public static List<Violation> checkId(String field, @Nullable String id) {
        if (id == null || id.isEmpty()) {
            return List.of(new Violation(field, "is required"));
        }
        if (!ID.matcher(id).matches()) {
            return List.of(new Violation(
                    field, "must be 1 to " + MAX_ID + " letters, digits, '.', '_', ':' or '-' (a UUID, say)"));
        }
        return List.of();
    }

    /**
     * The valid payment a message carries.
     *
     * @throws InvalidPaymentException naming every broken rule
     */
    public static Payment validate(PaymentMessage message) {
        List<Violation> violations = check(message.account(), message.amount(), message.currency());
        String id = message.id();
        violations.addAll(0, checkId("id", id));
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
            violations.add(new Violation("currency", "unknown currency code " + Texts.quoted(code, 16)));
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
