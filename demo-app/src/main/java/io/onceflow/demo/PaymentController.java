package io.onceflow.demo;

import java.math.BigDecimal;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * {@code POST /payments}: checks a payment against the ledger's rules and sends it to the payments topic.
 *
 * <pre>
 *   POST /payments {"account":"alice","amount":12.50,"currency":"EUR"}    [Idempotency-Key: 7c1e…]
 *     ─ invalid ──▶ 400 problem detail naming each field; nothing is sent
 *     ─ valid ────▶ idempotent producer ─▶ payments topic ─▶ 202 {id, partition, offset}, Location /accounts/alice
 * </pre>
 *
 * <p>202, not 201: the payment is in the topic (durably, acknowledged by every in-sync replica), and the ledger
 * applies it with the next checkpoint, about half a second later.
 *
 * <p>A client that may retry sends an {@code Idempotency-Key} header (a UUID, say): it becomes the payment's id, so
 * that a retry (after a timeout, a lost response) is the same payment again, which the ledger applies once per
 * account within {@link LedgerPipeline#DEDUPLICATION_RETENTION} and dead-letters as a duplicate otherwise. Without
 * one, the server gives each request an id of its own: two requests are two payments.
 *
 * @since 0.1
 */
@RestController
class PaymentController {

    /** The header that makes a retried request the same payment. */
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private final PaymentPublisher publisher;

    PaymentController(PaymentPublisher publisher) {
        this.publisher = publisher;
    }

    @PostMapping(path = "/payments", consumes = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<PaymentAccepted>> create(
            @RequestHeader(name = IDEMPOTENCY_KEY, required = false) @Nullable String idempotencyKey,
            @RequestBody PaymentRequest request) {
        List<Violation> violations =
                new ArrayList<>(PaymentRules.check(request.account(), request.amount(), request.currency()));
        if (idempotencyKey != null) {
            violations.addAll(0, PaymentRules.checkId(IDEMPOTENCY_KEY, idempotencyKey));
        }
        if (!violations.isEmpty()) {
            return Mono.error(new InvalidPaymentException(violations));
        }
        String account = Objects.requireNonNull(request.account());
        String currency = Objects.requireNonNull(request.currency());
        String id = idempotencyKey != null ? idempotencyKey : UUID.randomUUID().toString();
        BigDecimal amount = Money.normalize(currency, Objects.requireNonNull(request.amount()));
        PaymentMessage payment = new PaymentMessage(id, account, amount, currency);
        return publisher
                .send(payment)
                .map(sent -> ResponseEntity.accepted()
                        .location(URI.create("/accounts/" + account))
                        .body(new PaymentAccepted(id, account, amount, currency, sent.partition(), sent.offset())));
    }

    /**
     * A payment in the payments topic.
     *
     * @param id the payment's id: the {@code Idempotency-Key}, or one the server gave it
     * @param account the account credited
     * @param amount the amount
     * @param currency the currency
     * @param partition the payments partition it landed in
     * @param offset its offset there
     */
    record PaymentAccepted(String id, String account, BigDecimal amount, String currency, int partition, long offset) {}
}
