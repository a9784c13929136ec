package io.onceflow.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
}
