package io.onceflow.core;

import static io.onceflow.core.DeadLetters.deadLetterOf;
import static io.onceflow.core.testkit.TestElements.data;
import static io.onceflow.core.testkit.TestElements.marker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.onceflow.core.testkit.TestElements;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

/** Checkpointed.map: values mapped with their record's origin, markers untouched, failures dead-lettered. */
class MapOperatorTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static Function<Flux<StreamElement<Integer>>, Flux<StreamElement<Integer>>> timesTen() {
        return Checkpointed.map(value -> value * 10);
    }

    @Test
    void mapsValuesAndPassesMarkersInOrder() {
        Flux<StreamElement<Integer>> input =
                Flux.just(data(1, 0), data(2, 1), marker(1, 2), data(3, 2), marker(2, 3), marker(3, 3));

        StepVerifier.create(input.transform(Checkpointed.map(value -> "v" + value)))
                .expectNext(data("v1", 0), data("v2", 1), marker(1, 2), data("v3", 2), marker(2, 3), marker(3, 3))
                .verifyComplete();
    }

    @Test
    void outputsKeepTheirRecordsOrigin() {
        Data<Integer> record = data(7, 3, 42, 1_000);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(record).transform(timesTen()))
                .assertNext(element -> {
                    assertThat(element).isEqualTo(new Data<>(70, new Origin("test", 3, 42, 1_000)));
                    assertThat(((Data<?>) element).origin()).isSameAs(record.origin());
                })
                .verifyComplete();
    }

    @Test
    void markersAndDeadLettersPassAsTheSameInstances() {
        Marker<Integer> marker = TestElements.<Integer>marker(1, 5)
                .withStateChanges(List.of(new StateChange("op", SourcePartition.of("test", 0), "k", new byte[] {1})));
        DeadLetter<Integer> upstreamDeadLetter = new DeadLetter<>(
                new Origin("test", 0, 0, 0), "deserialize", new byte[] {1}, new IllegalStateException());

        StepVerifier.create(Flux.<StreamElement<Integer>>just(upstreamDeadLetter, marker)
                        .transform(timesTen()))
                .assertNext(element -> assertThat(element).isSameAs(upstreamDeadLetter))
                .assertNext(element -> assertThat(element).isSameAs(marker))
                .verifyComplete();
    }

    @Test
    void throwingMapperDeadLettersTheRecordAndTheStreamGoesOn() {
        IllegalStateException boom = new IllegalStateException("boom");
        Data<Integer> poison = data(2, 1);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(data(1, 0), poison, marker(1, 2), data(3, 2))
                        .transform(Checkpointed.<Integer, Integer>map(value -> {
                            if (value == 2) {
                                throw boom;
                            }
                            return value * 10;
                        })))
                .expectNext(data(10, 0))
                .assertNext(deadLetterOf(poison, "map", boom))
                .expectNext(marker(1, 2), data(30, 2))
                .verifyComplete();
    }

    @Test
    void nullResultIsDeadLettered() {
        Data<Integer> poison = data(2, 1);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(data(1, 0), poison, data(3, 2))
                        .transform(Checkpointed.<Integer, Integer>map(value -> value == 2 ? null : value)))
                .expectNext(data(1, 0))
                .assertNext(deadLetterOf(poison, "map", NullPointerException.class, "map function returned null"))
                .expectNext(data(3, 2))
                .verifyComplete();
    }

    @Test
    void jvmFatalErrorIsNotDeadLetteredButSignalled() {
        Flux<StreamElement<Integer>> mapped = Flux.<StreamElement<Integer>>just(data(1, 0))
                .transform(Checkpointed.<Integer, Integer>map(value -> {
                    throw new LinkageError("not the record's fault");
                }));

        // a signal, not an Error thrown up the stack (Reactor would rethrow a JVM-fatal one, and the stream hang)
        StepVerifier.create(mapped)
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(StageFailedException.class)
                        .hasCauseInstanceOf(LinkageError.class)
                        .hasMessageContaining("stage 'map' failed with java.lang.LinkageError"))
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void upstreamErrorPassesThrough() {
        TestPublisher<StreamElement<Integer>> upstream = TestPublisher.create();
        IllegalStateException failure = new IllegalStateException("source failed");

        StepVerifier.create(upstream.flux().transform(timesTen()))
                .then(() -> upstream.next(data(1, 0)))
                .expectNext(data(10, 0))
                .then(() -> upstream.error(failure))
                .expectErrorSatisfies(error -> assertThat(error).isSameAs(failure))
                .verify(TIMEOUT);
    }

    @Test
    void cancellationCancelsUpstream() {
        TestPublisher<StreamElement<Integer>> upstream = TestPublisher.create();

        StepVerifier.create(upstream.flux().transform(timesTen()))
                .then(() -> upstream.next(data(1, 0), marker(1, 1)))
                .expectNext(data(10, 0), marker(1, 1))
                .thenCancel()
                .verify(TIMEOUT);

        upstream.assertCancelled();
        upstream.assertNoSubscribers();
    }

    @Test
    void requestsExactlyWhatDownstreamRequests() {
        TestPublisher<StreamElement<Integer>> upstream = TestPublisher.create();

        StepVerifier.create(upstream.flux().transform(timesTen()), 0)
                .expectSubscription()
                .then(() -> upstream.assertMaxRequested(0))
                .thenRequest(2)
                .then(() -> upstream.assertMinRequested(2).assertMaxRequested(2))
                .then(() -> upstream.next(data(1, 0), marker(1, 1)))
                .expectNext(data(10, 0), marker(1, 1))
                .then(() -> upstream.assertMaxRequested(0))
                .thenRequest(1)
                .then(() -> upstream.next(data(2, 1)))
                .expectNext(data(20, 1))
                .thenCancel()
                .verify(TIMEOUT);
    }

    @Test
    void recordsAfterCompletionOfANonCompliantPublisherAreDropped() {
        TestPublisher<StreamElement<Integer>> upstream =
                TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);
        Data<Integer> late = data(2, 1);

        StepVerifier.create(upstream.flux().transform(timesTen()))
                .then(() -> upstream.next(data(1, 0)))
                .expectNext(data(10, 0))
                .then(() -> upstream.complete().next(late))
                .expectComplete()
                .verifyThenAssertThat(TIMEOUT)
                .hasDroppedExactly(late);
    }

    @Test
    void nullElementFromANonCompliantPublisherFailsTheStreamAndCancelsIt() {
        TestPublisher<StreamElement<Integer>> upstream =
                TestPublisher.createNoncompliant(TestPublisher.Violation.ALLOW_NULL);

        StepVerifier.create(upstream.flux().transform(timesTen()))
                .then(() -> upstream.next(data(1, 0)))
                .expectNext(data(10, 0))
                .then(() -> upstream.next(null))
                .expectError(NullPointerException.class)
                .verify(TIMEOUT);

        upstream.assertCancelled();
    }

    @Test
    void checkpointedFluxMapIsTheSameOperator() {
        Flux<StreamElement<Integer>> input = Flux.just(data(1, 0), marker(1, 1), data(2, 1));

        StepVerifier.create(CheckpointedFlux.of(input)
                        .map(value -> List.of(value, value))
                        .elements())
                .expectNext(data(List.of(1, 1), 0), marker(1, 1), data(List.of(2, 2), 1))
                .verifyComplete();
    }

    @Test
    void nullMapperIsRefusedAtAssembly() {
        assertThatThrownBy(() -> Checkpointed.map(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("mapper");
    }
}
