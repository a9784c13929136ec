package io.onceflow.core;

import static io.onceflow.core.DeadLetters.deadLetterOf;
import static io.onceflow.core.testkit.TestElements.data;
import static io.onceflow.core.testkit.TestElements.marker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

/** Checkpointed.filter: matching records kept as they are, markers always pass, failures dead-lettered. */
class FilterOperatorTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static Function<Flux<StreamElement<Integer>>, Flux<StreamElement<Integer>>> evens() {
        return Checkpointed.filter(value -> value % 2 == 0);
    }

    @Test
    void keepsMatchingRecordsAndEveryMarkerInOrder() {
        Flux<StreamElement<Integer>> input =
                Flux.just(data(1, 0), data(2, 1), marker(1, 2), data(3, 2), marker(2, 3), data(4, 3));

        StepVerifier.create(input.transform(evens()))
                .expectNext(data(2, 1), marker(1, 2), marker(2, 3), data(4, 3))
                .verifyComplete();
    }

    @Test
    void keptRecordsAreTheSameInstancesWithTheirOrigin() {
        Data<Integer> record = data(2, 5, 9, 123);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(record).transform(evens()))
                .assertNext(element -> assertThat(element).isSameAs(record))
                .verifyComplete();
    }

    @Test
    void markersAndDeadLettersPassAPredicateThatRejectsEverything() {
        DeadLetter<Integer> upstreamDeadLetter =
                new DeadLetter<>(new Origin("test", 0, 1, 1), "deserialize", null, new IllegalStateException());

        StepVerifier.create(Flux.<StreamElement<Integer>>just(data(1, 0), upstreamDeadLetter, marker(1, 2))
                        .transform(Checkpointed.<Integer>filter(value -> false)))
                .assertNext(element -> assertThat(element).isSameAs(upstreamDeadLetter))
                .expectNext(marker(1, 2))
                .verifyComplete();
    }

    @Test
    void throwingPredicateDeadLettersTheRecordAndTheStreamGoesOn() {
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        Data<Integer> poison = data(3, 1);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(data(2, 0), poison, marker(1, 2), data(4, 2))
                        .transform(Checkpointed.<Integer>filter(value -> {
                            if (value == 3) {
                                throw boom;
                            }
                            return true;
                        })))
                .expectNext(data(2, 0))
                .assertNext(deadLetterOf(poison, "filter", boom))
                .expectNext(marker(1, 2), data(4, 2))
                .verifyComplete();
    }

    @Test
    void upstreamErrorPassesThrough() {
        TestPublisher<StreamElement<Integer>> upstream = TestPublisher.create();
        IllegalStateException failure = new IllegalStateException("source failed");

        StepVerifier.create(upstream.flux().transform(evens()))
                .then(() -> upstream.next(data(2, 0)))
                .expectNext(data(2, 0))
                .then(() -> upstream.error(failure))
                .expectErrorSatisfies(error -> assertThat(error).isSameAs(failure))
                .verify(TIMEOUT);
    }

    @Test
    void cancellationCancelsUpstream() {
        TestPublisher<StreamElement<Integer>> upstream = TestPublisher.create();

        StepVerifier.create(upstream.flux().transform(evens()))
                .then(() -> upstream.next(data(2, 0)))
                .expectNext(data(2, 0))
                .thenCancel()
                .verify(TIMEOUT);

        upstream.assertCancelled();
    }

    @Test
    void aDroppedRecordIsReplacedByOneMoreRequestUpstream() {
        TestPublisher<StreamElement<Integer>> upstream = TestPublisher.create();

        StepVerifier.create(upstream.flux().transform(evens()), 0)
                .expectSubscription()
                .then(() -> upstream.assertMaxRequested(0))
                .thenRequest(1)
                .then(() -> upstream.assertMinRequested(1).assertMaxRequested(1))
                .then(() -> upstream.next(data(1, 0)))
                // filtered out: the demand of 1 is still open upstream, and no more than that
                .then(() -> upstream.assertMinRequested(1).assertMaxRequested(1))
                .then(() -> upstream.next(data(2, 1)))
                .expectNext(data(2, 1))
                .then(() -> upstream.assertMaxRequested(0))
                .thenRequest(1)
                .then(() -> upstream.next(marker(1, 2)))
                .expectNext(marker(1, 2))
                .thenCancel()
                .verify(TIMEOUT);
    }

    @Test
    void recordsAfterCompletionOfANonCompliantPublisherAreDropped() {
        TestPublisher<StreamElement<Integer>> upstream =
                TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);
        Data<Integer> late = data(4, 1);

        StepVerifier.create(upstream.flux().transform(evens()))
                .then(() -> upstream.next(data(2, 0)))
                .expectNext(data(2, 0))
                .then(() -> upstream.complete().next(late))
                .expectComplete()
                .verifyThenAssertThat(TIMEOUT)
                .hasDroppedExactly(late);
    }

    @Test
    void nullElementFromANonCompliantPublisherFailsTheStreamAndCancelsIt() {
        TestPublisher<StreamElement<Integer>> upstream =
                TestPublisher.createNoncompliant(TestPublisher.Violation.ALLOW_NULL);

        StepVerifier.create(upstream.flux().transform(evens()))
                .then(() -> upstream.next(null))
                .expectError(NullPointerException.class)
                .verify(TIMEOUT);

        upstream.assertCancelled();
    }

    @Test
    void checkpointedFluxFilterIsTheSameOperator() {
        StepVerifier.create(CheckpointedFlux.of(Flux.just(data(1, 0), marker(1, 1), data(2, 1)))
                        .filter(value -> value > 1)
                        .elements())
                .expectNext(marker(1, 1), data(2, 1))
                .verifyComplete();
    }

    @Test
    void nullPredicateIsRefusedAtAssembly() {
        assertThatThrownBy(() -> Checkpointed.filter(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("predicate");
    }
}
