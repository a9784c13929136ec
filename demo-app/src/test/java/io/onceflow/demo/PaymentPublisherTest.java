package io.onceflow.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.util.unit.DataSize;
import reactor.test.StepVerifier;

/**
 * A payment Kafka cannot take is answered, not left waiting: with no broker at all, the send fails within its bounds
 * ({@code max.block.ms}), and the REST API's answer is a 503 telling the client to retry with its Idempotency-Key.
 */
class PaymentPublisherTest {

    @Test
    void aPaymentToABrokerThatIsNotThereFailsWithinTheSendTimeout() throws IOException {
        try (PaymentPublisher publisher = new PaymentPublisher("127.0.0.1:" + closedPort(), "payments")) {
            StepVerifier.create(publisher.send(new PaymentMessage("p-1", "alice", new BigDecimal("12.50"), "EUR")))
                    .expectErrorSatisfies(failure -> assertThat(failure).isInstanceOf(TimeoutException.class))
                    // a bound for a hang, not a speed: max.block.ms is 5 s, the send timeout 30 s
                    .verify(PaymentPublisher.SEND_TIMEOUT.plus(Duration.ofSeconds(30)));
        }
    }

    @Test
    void aPaymentKafkaDidNotConfirmIs503AskingForARetryWithTheSameKey() {
        ProblemHandler problems = new ProblemHandler(DataSize.ofKilobytes(64));
        for (ResponseEntity<ProblemDetail> answer : java.util.List.of(
                problems.kafkaUnavailable(new TimeoutException("Expiring 1 record(s)")),
                problems.notConfirmed(new PaymentNotConfirmedException("no answer within 30 s")))) {
            assertThat(answer.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
            ProblemDetail problem = answer.getBody();
            assertThat(problem).isNotNull();
            assertThat(problem.getTitle()).isEqualTo("Payment not confirmed");
            assertThat(problem.getDetail()).contains("may or may not", PaymentController.IDEMPOTENCY_KEY);
        }
    }

    /** A loopback port nothing listens on: bound, then released. */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
