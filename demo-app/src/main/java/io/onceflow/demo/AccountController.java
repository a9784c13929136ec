package io.onceflow.demo;

import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * {@code GET /accounts/{id}}: an account's balances, one per currency, as the balances table holds them (the
 * pipeline's idempotent participant: up to date with the last checkpoint).
 *
 * @since 0.1
 */
@RestController
class AccountController {

    private static final Pattern ACCOUNT = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final BalancesTable balances;

    AccountController(BalancesTable balances) {
        this.balances = balances;
    }

    @GetMapping("/accounts/{id}")
    Mono<ResponseEntity<?>> account(@PathVariable String id) {
        if (!ACCOUNT.matcher(id).matches()) {
            return Mono.error(
                    new InvalidRequestException(new Violation("id", "must be 1 to 64 letters, digits, '_' or '-'")));
        }
        return balances.account(id)
                .map(b -> new CurrencyBalance(
                        b.currency(), Money.toMajor(b.currency(), b.balanceMinor()), b.payments(), b.lastPaymentId()))
                .collectList()
                .map(list -> list.isEmpty()
                        ? ResponseEntity.status(HttpStatus.NOT_FOUND).body(notFound(id))
                        : ResponseEntity.ok(new AccountView(id, list)));
    }

    private static ProblemDetail notFound(String id) {
        return Problems.of(
                HttpStatus.NOT_FOUND, "Unknown account", "no payment to account " + id + " is in the ledger");
    }

    /**
     * An account's balances.
     *
     * @param account the account
     * @param balances one per currency, in currency order
     */
    record AccountView(String account, List<CurrencyBalance> balances) {}

    /**
     * A balance in one currency.
     *
     * @param currency the ISO 4217 code
     * @param balance the balance, in the currency's major unit
     * @param payments how many payments made it
     * @param lastPaymentId the last of them
     */
    record CurrencyBalance(String currency, BigDecimal balance, long payments, String lastPaymentId) {}
}
