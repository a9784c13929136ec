package io.onceflow.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The ledger's rules for a payment, and the conversion to minor units. */
class PaymentRulesTest {

    @Test
    void aValidPaymentBreaksNoRule() {
        assertThat(PaymentRules.check("alice", new BigDecimal("12.50"), "EUR")).isEmpty();
        assertThat(PaymentRules.check("acct-007", new BigDecimal("1000000"), "JPY"))
                .isEmpty();
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource(
            nullValues = "null",
            value = {
                "null, 1, EUR, account",
                "'', 1, EUR, account",
                "a b, 1, EUR, account",
                "alice, null, EUR, amount",
                "alice, -1, EUR, amount",
                "alice, 0, EUR, amount",
                "alice, 1000000.01, EUR, amount",
                "alice, 1E+30, EUR, amount",
                "alice, 1.001, EUR, amount",
                "alice, 1.5, JPY, amount",
                "alice, 1, null, currency",
                "alice, 1, ZZZ, currency",
                "alice, 1, eur, currency",
                "alice, 1, CHF, currency"
            })
    void eachBrokenRuleNamesItsField(String account, String amount, String currency, String field) {
        List<Violation> violations =
                PaymentRules.check(account, amount == null ? null : new BigDecimal(amount), currency);
        assertThat(violations).extracting(Violation::field).containsExactly(field);
    }

    @Test
    void everyBrokenRuleIsReportedInFieldOrder() {
        assertThat(PaymentRules.check(null, new BigDecimal("-3"), "ZZZ"))
                .extracting(Violation::field)
                .containsExactly("account", "amount", "currency");
    }

    @Test
    void validateConvertsToMinorUnitsAndRefusesAMessageWithoutId() {
        Payment payment = PaymentRules.validate(new PaymentMessage("p1", "alice", new BigDecimal("12.5"), "EUR"));
        assertThat(payment).isEqualTo(new Payment("p1", "alice", "EUR", 1250));
        assertThat(PaymentRules.validate(new PaymentMessage("p2", "bob", new BigDecimal("700"), "JPY"))
                        .amountMinor())
                .isEqualTo(700);
        assertThatThrownBy(() -> PaymentRules.validate(new PaymentMessage(null, "alice", BigDecimal.ONE, "EUR")))
                .isInstanceOf(InvalidPaymentException.class)
                .hasMessageContaining("id: is required");
    }

    @Test
    void moneyRoundTripsExactly() {
        assertThat(Money.toMajor("EUR", Money.toMinor("EUR", new BigDecimal("0.10"))))
                .isEqualByComparingTo("0.10");
        assertThat(Money.toMajor("JPY", 1234)).isEqualByComparingTo("1234");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "-1e999999999",
                "1e999999999",
                "1e2147483647",
                "-1e2147483647",
                "1e-2147483647",
                "-1e100000000",
                "0.000000000000000000000000000000000000000000001",
                "1234567890123456789012345678901234567890.5"
            })
    void numberBombsAreRefusedBeforeAnythingFormatsThemWithAShortMessage(String amount) {
        BigDecimal bomb = new BigDecimal(amount); // cheap: a digit and an exponent
        PaymentMessage message = new PaymentMessage("p1", "alice", bomb, "EUR");

        List<Violation> violations =
                assertTimeoutPreemptively(Duration.ofSeconds(5), () -> PaymentRules.check("alice", bomb, "EUR"));
        assertThat(violations).singleElement().satisfies(violation -> {
            assertThat(violation.field()).isEqualTo("amount");
            assertThat(violation.message()).hasSizeLessThan(120).contains("at most 40 digits");
        });
        assertThatThrownBy(() -> assertTimeoutPreemptively(Duration.ofSeconds(5), () -> PaymentRules.validate(message)))
                .isInstanceOf(InvalidPaymentException.class)
                .message()
                .hasSizeLessThan(200);
    }

    @Test
    void amountsAtTheBoundsAreStillCheckedByTheirValue() {
        assertThat(PaymentRules.check("alice", new BigDecimal("-1e40"), "EUR"))
                .singleElement()
                .satisfies(v -> assertThat(v.message()).startsWith("must be positive, was -1000"));
        assertThat(PaymentRules.check("alice", new BigDecimal("12.50000000000000000000000000000000000000"), "EUR"))
                .isEmpty();
        assertThat(Money.normalize("EUR", new BigDecimal("12.500000"))).isEqualTo(new BigDecimal("12.50"));
        assertThat(Money.normalize("JPY", new BigDecimal("5E+2"))).isEqualTo(new BigDecimal("500"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            nullValues = "null",
            value = {"null, is required", "'', is required", "a b, must be", "p\\u0000, must be", "é, must be"})
    void aPaymentIdMustBePrintableAndShort(String id, String message) {
        String unescaped = id == null ? null : id.replace("\\u0000", "\u0000");
        assertThat(PaymentRules.checkId("id", unescaped))
                .singleElement()
                .satisfies(v -> assertThat(v.message()).startsWith(message));
        assertThat(PaymentRules.checkId("id", "x".repeat(PaymentRules.MAX_ID))).isEmpty();
        assertThat(PaymentRules.checkId("id", "x".repeat(PaymentRules.MAX_ID + 1)))
                .hasSize(1);
        assertThat(PaymentRules.checkId("id", "7c1e2b9a-0f3d-4d4e-9d4b-0b0c1f2e3d4a"))
                .isEmpty();
    }

    @Test
    void aHostileValueIsNeverEchoedWhole() {
        String currency = "\u0000".repeat(10) + "Z".repeat(1_000_000);
        List<Violation> violations = PaymentRules.check("alice", BigDecimal.ONE, currency);
        assertThat(violations)
                .singleElement()
                .satisfies(v -> assertThat(v.message())
                        .hasSizeLessThan(Violation.MAX_MESSAGE + 1)
                        .contains("\\u0000")
                        .doesNotContain("\u0000")
                        .contains("(1000010 characters)"));
        Violation cut = new Violation("f\n", "m".repeat(100_000));
        assertThat(cut.message()).hasSizeLessThan(Violation.MAX_MESSAGE + 40);
        assertThat(cut.field()).isEqualTo("f\\u000a");
    }
}
