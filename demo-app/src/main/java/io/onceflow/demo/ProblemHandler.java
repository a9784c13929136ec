package io.onceflow.demo;

import io.netty.handler.timeout.ReadTimeoutException;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.util.unit.DataSize;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.reactive.result.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.server.ContentTooLargeException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * Turns every failure of the REST API into a problem detail. Spring's own handling (this class extends it, so Boot's
 * default one steps back) covers the protocol errors: 404, 405, 415 and so on. Added here:
 *
 * <ul>
 *   <li>a payment that breaks a rule, and JSON that does not read (malformed, or a field of the wrong type): 400
 *       naming the field ({@code body} when the JSON itself is unreadable); a body over
 *       {@code spring.http.codecs.max-in-memory-size}: 413;
 *   <li>a request body that stops arriving: 408;
 *   <li>the crash button while it is disabled: 403; while the pipeline is already down: 409;
 *   <li>Kafka not taking a payment: 503, and nothing was written; Kafka not confirming it in time: 503, retry with
 *       the same {@code Idempotency-Key}.
 * </ul>
 *
 * @since 0.1
 */
@RestControllerAdvice
class ProblemHandler extends ResponseEntityExceptionHandler {

    private final long maxBody;

    /** @param maxBody {@code spring.http.codecs.max-in-memory-size}: a larger body is 413 */
    ProblemHandler(@Value("${spring.http.codecs.max-in-memory-size:262144B}") DataSize maxBody) {
        this.maxBody = maxBody.toBytes();
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> invalidPayment(InvalidPaymentException e) {
        return ResponseEntity.badRequest().body(Problems.invalid("Invalid payment", e.violations()));
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> invalidRequest(InvalidRequestException e) {
        return ResponseEntity.badRequest().body(Problems.invalid("Invalid request", e.violations()));
    }

    /** A body over {@code spring.http.codecs.max-in-memory-size}, refused before it was read whole. */
    @ExceptionHandler
    ResponseEntity<ProblemDetail> tooLarge(ContentTooLargeException e) {
        return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE)
                .body(Problems.of(
                        HttpStatus.CONTENT_TOO_LARGE,
                        "Request too large",
                        "the body is larger than " + maxBody + " bytes; a payment is well under 1 KiB"));
    }

    /**
     * A request body that stopped arriving for {@code onceflow.demo.http.read-timeout}: 408 (the connection is closed
     * too), without the stack trace of a server error.
     */
    @ExceptionHandler
    ResponseEntity<ProblemDetail> readTimeout(ReadTimeoutException e) {
        return ResponseEntity.status(HttpStatus.REQUEST_TIMEOUT)
                .body(Problems.of(
                        HttpStatus.REQUEST_TIMEOUT,
                        "Request timeout",
                        "the request body stopped arriving: onceflow.demo.http.read-timeout"));
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> crashDisabled(CrashDisabledException e) {
        return ResponseEntity.status(HttpStatus.FORBIDDEN)
                .body(Problems.of(HttpStatus.FORBIDDEN, "Crash disabled", e.getMessage()));
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> crashRefused(CrashInjector.CrashRefusedException e) {
        return ResponseEntity.status(HttpStatus.CONFLICT)
                .body(Problems.of(HttpStatus.CONFLICT, "Not now", String.valueOf(e.getMessage())));
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> kafkaUnavailable(KafkaException e) {
        if (e instanceof TimeoutException) {
            // a delivery timeout: the record may have been written before the acknowledgement was lost
            return notConfirmed("Kafka did not confirm the payment in time: " + e.getMessage());
        }
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .body(Problems.of(
                        HttpStatus.SERVICE_UNAVAILABLE,
                        "Payments topic unavailable",
                        "Kafka did not take the payment, nothing was written: " + e.getMessage()));
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> notConfirmed(PaymentNotConfirmedException e) {
        return notConfirmed(String.valueOf(e.getMessage()));
    }

    private static ResponseEntity<ProblemDetail> notConfirmed(String reason) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .body(Problems.of(
                        HttpStatus.SERVICE_UNAVAILABLE,
                        "Payment not confirmed",
                        reason + "; it may or may not have been written: retry with the same "
                                + PaymentController.IDEMPOTENCY_KEY + ", which makes the retry the same payment"));
    }

    /** A body that does not read as the expected JSON: name the field, or {@code body}. */
    @Override
    protected Mono<ResponseEntity<Object>> handleServerWebInputException(
            ServerWebInputException e, HttpHeaders headers, HttpStatusCode status, ServerWebExchange exchange) {
        JacksonException json = causeOf(e, JacksonException.class);
        Violation violation;
        if (json == null) {
            violation = new Violation("body", String.valueOf(e.getReason()));
        } else if (json.getPath().isEmpty()) {
            violation = new Violation("body", "is not valid JSON: " + json.getOriginalMessage());
        } else {
            String field = json.getPath().stream()
                    .map(reference -> reference.getPropertyName() != null
                            ? reference.getPropertyName()
                            : String.valueOf(reference.getIndex()))
                    .collect(Collectors.joining("."));
            violation = new Violation(field, expected(json));
        }
        ProblemDetail problem = Problems.invalid("Unreadable request", List.of(violation));
        return Mono.just(ResponseEntity.badRequest().headers(headers).body(problem));
    }

    /** What a field of the wrong type should have been, in the words of JSON rather than Java. */
    private static String expected(JacksonException json) {
        Class<?> type = json instanceof MismatchedInputException mismatch ? mismatch.getTargetType() : null;
        if (type != null && Number.class.isAssignableFrom(type)) {
            return "must be a number, like 12.50";
        }
        if (type == String.class) {
            return "must be a string";
        }
        return "has the wrong type: " + json.getOriginalMessage();
    }

    private static <E extends Throwable> @Nullable E causeOf(Throwable failure, Class<E> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
        }
        return null;
    }
}
