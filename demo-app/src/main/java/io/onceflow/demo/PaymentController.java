package io.onceflow.demo;

import java.math.BigDecimal;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * {@code POST /payments}: checks a payment against the ledger's rules and sends it to the payments topic.
 *
 * <pre>
 *   POST /payments {"account":"alice","amount":12.50,"currency":"EUR"}
 *     ─ invalid ──▶ 400 problem detail naming each field; nothing is sent
 *     ─ valid ────▶ idempotent producer ─▶ payments topic ─▶ 202 {id, partition, offset}, Location /accounts/alice
 * </pre>
 *
 * <p>202, not 201: the payment is in the topic (durably, acknowledged by every in-sync replica), and the ledger
 * applies it with the next checkpoint, about half a second later.
 *
 * @since 0.1
 */
@RestController
class PaymentController {

    private final PaymentPublisher publisher;

    PaymentController(PaymentPublisher publisher) {
        this.publisher = publisher;
    }

    @PostMapping(path = "/payments", consumes = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<PaymentAccepted>> create(@RequestBody PaymentRequest request) {
        List<Violation> violations = PaymentRules.check(request.account(), request.amount(), request.currency());
        if (!violations.isEmpty()) {
            return Mono.error(new InvalidPaymentException(violations));
        }
        String account = Objects.requireNonNull(request.account());
        PaymentMessage payment =
                new PaymentMessage(UUID.randomUUID().toString(), account, request.amount(), request.currency());
        return publisher
                .send(payment)
                .map(sent -> ResponseEntity.accepted()
                        .location(URI.create("/accounts/" + account))
                        .body(new PaymentAccepted(
                                Objects.requireNonNull(payment.id()),
                                account,
                                Objects.requireNonNull(payment.amount()),
                                Objects.requireNonNull(payment.currency()),
                                sent.partition(),
                                sent.offset())));
    }

    /**
     * A payment in the payments topic.
     *
     * @param id the id the server gave it
     * @param account the account credited
     * @param amount the amount
     * @param currency the currency
     * @param partition the payments partition it landed in
     * @param offset its offset there
     */
    record PaymentAccepted(String id, String account, BigDecimal amount, String currency, int partition, long offset) {}
}
