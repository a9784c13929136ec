package io.onceflow.demo;

/**
 * Kafka neither acknowledged nor refused a payment in time: it may or may not be in the payments topic. The REST API
 * answers 503; the client retries with the same {@code Idempotency-Key}, which makes the retry the same payment.
 *
 * @since 0.2
 */
final class PaymentNotConfirmedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    PaymentNotConfirmedException(String message) {
        super(message);
    }
}
