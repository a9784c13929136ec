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

/** Checkpointed.handle: zero or one output per record with its origin; sink errors dead-letter, complete() fails. */
class HandleOperatorTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** Halves even values and emits nothing for odd ones. */
    private static Function<Flux<StreamElement<Integer>>, Flux<StreamElement<Integer>>> halveEvens() {
        return Checkpointed.<Integer, Integer>handle((value, sink) -> {
            if (value % 2 == 0) {
                sink.next(value / 2);
            }
        });
    }

    @Test
    void emitsZeroOrOneValuePerRecordAndPassesMarkersInOrder() {
        Flux<StreamElement<Integer>> input = Flux.just(data(2, 0), data(3, 1), marker(1, 2), data(8, 2), marker(2, 3));

        StepVerifier.create(input.transform(halveEvens()))
                .expectNext(data(1, 0), marker(1, 2), data(4, 2), marker(2, 3))
                .verifyComplete();
    }

    @Test
    void outputsKeepTheirRecordsOrigin() {
        StepVerifier.create(Flux.<StreamElement<Integer>>just(data(10, 2, 77, 5_000))
                        .transform(halveEvens()))
                .assertNext(element -> assertThat(element).isEqualTo(new Data<>(5, new Origin("test", 2, 77, 5_000))))
                .verifyComplete();
    }

    @Test
    void sinkErrorDeadLettersTheRecordAndTheStreamGoesOn() {
        IllegalArgumentException invalid = new IllegalArgumentException("invalid");
        Data<Integer> poison = data(-1, 1);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(data(1, 0), poison, marker(1, 2), data(2, 2))
                        .transform(Checkpointed.<Integer, Integer>handle((value, sink) -> {
                            if (value < 0) {
                                sink.error(invalid);
                            } else {
                                sink.next(value);
                            }
                        })))
                .expectNext(data(1, 0))
                .assertNext(deadLetterOf(poison, "handle", invalid))
                .expectNext(marker(1, 2), data(2, 2))
                .verifyComplete();
    }

    @Test
    void throwingHandlerDeadLettersTheRecord() {
        IllegalStateException boom = new IllegalStateException("boom");
        Data<Integer> poison = data(4, 0);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(poison, data(2, 1))
                        .transform(Checkpointed.<Integer, Integer>handle((value, sink) -> {
                            if (value == 4) {
                                throw boom;
                            }
                            sink.next(value);
                        })))
                .assertNext(deadLetterOf(poison, "handle", boom))
                .expectNext(data(2, 1))
                .verifyComplete();
    }

    @Test
    void errorAfterAValueDeadLettersTheRecordAndDropsTheValue() {
        IllegalStateException late = new IllegalStateException("changed my mind");
        Data<Integer> poison = data(4, 0);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(poison)
                        .transform(Checkpointed.<Integer, Integer>handle((value, sink) -> {
                            sink.next(value);
                            sink.error(late);
                        })))
                .assertNext(deadLetterOf(poison, "handle", late))
                .verifyComplete();
    }

    @Test
    void emittingTwiceDeadLettersTheRecord() {
        Data<Integer> poison = data(4, 0);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(poison, data(5, 1))
                        .transform(Checkpointed.<Integer, Integer>handle((value, sink) -> {
                            sink.next(value);
                            if (value == 4) {
                                sink.next(value);
                            }
                        })))
                .assertNext(deadLetterOf(poison, "handle", IllegalStateException.class, "at most one value"))
                .expectNext(data(5, 1))
                .verifyComplete();
    }

    @Test
    void emittingNullDeadLettersTheRecord() {
        Data<Integer> poison = data(4, 0);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(poison, data(5, 1))
                        .transform(Checkpointed.<Integer, Integer>handle(
                                (value, sink) -> sink.next(value == 4 ? null : value))))
                .assertNext(deadLetterOf(poison, "handle", NullPointerException.class, "null"))
                .expectNext(data(5, 1))
                .verifyComplete();
    }

    @Test
    void emittingNullDeadLettersTheRecordEvenWhenTheHandlerSwallowsTheException() {
        Data<Integer> poison = data(4, 0);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(poison)
                        .transform(Checkpointed.<Integer, Integer>handle((value, sink) -> {
                            try {
                                sink.next(null);
                            } catch (NullPointerException swallowed) {
                                // a careless handler: the record must still not vanish
                            }
                        })))
                .assertNext(deadLetterOf(poison, "handle", NullPointerException.class, "null"))
                .verifyComplete();
    }

    @Test
    void completeFailsTheStreamNamingTheRecordAndCancelsUpstream() {
        TestPublisher<StreamElement<Integer>> upstream = TestPublisher.create();

        StepVerifier.create(upstream.flux().transform(Checkpointed.<Integer, Integer>handle((value, sink) -> {
                    if (value == 0) {
                        sink.complete();
                    } else {
                        sink.next(value);
                    }
                })))
                .then(() -> upstream.next(data(1, 0), data(0, 1)))
                .expectNext(data(1, 0))
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(PipelineConfigurationException.class)
                        .hasMessageContaining("test-0@1")
                        .hasMessageContaining("complete()"))
                .verify(TIMEOUT);

        upstream.assertCancelled();
    }

    @Test
    void handlerSeesTheSubscribersContext() {
        StepVerifier.create(Flux.<StreamElement<Integer>>just(data(1, 0))
                        .transform(Checkpointed.<Integer, String>handle(
                                (value, sink) -> sink.next(sink.contextView().get("tenant") + ":" + value)))
                        .contextWrite(context -> context.put("tenant", "acme")))
                .expectNext(data("acme:1", 0))
                .verifyComplete();
    }

    @Test
    void upstreamErrorPassesThrough() {
        TestPublisher<StreamElement<Integer>> upstream = TestPublisher.create();
        IllegalStateException failure = new IllegalStateException("source failed");

        StepVerifier.create(upstream.flux().transform(halveEvens()))
                .then(() -> upstream.next(data(2, 0)))
                .expectNext(data(1, 0))
                .then(() -> upstream.error(failure))
                .expectErrorSatisfies(error -> assertThat(error).isSameAs(failure))
                .verify(TIMEOUT);
    }

    @Test
    void cancellationCancelsUpstream() {
        TestPublisher<StreamElement<Integer>> upstream = TestPublisher.create();

        StepVerifier.create(upstream.flux().transform(halveEvens()))
                .then(() -> upstream.next(data(2, 0)))
                .expectNext(data(1, 0))
                .thenCancel()
                .verify(TIMEOUT);

        upstream.assertCancelled();
    }

    @Test
    void aRecordWithoutOutputIsReplacedByOneMoreRequestUpstream() {
        TestPublisher<StreamElement<Integer>> upstream = TestPublisher.create();

        StepVerifier.create(upstream.flux().transform(halveEvens()), 0)
                .expectSubscription()
                .then(() -> upstream.assertMaxRequested(0))
                .thenRequest(1)
                .then(() -> upstream.next(data(3, 0)))
                .then(() -> upstream.assertMinRequested(1).assertMaxRequested(1))
                .then(() -> upstream.next(data(4, 1)))
                .expectNext(data(2, 1))
                .then(() -> upstream.assertMaxRequested(0))
                .thenCancel()
                .verify(TIMEOUT);
    }

    @Test
    void recordsAfterCompletionOfANonCompliantPublisherAreDropped() {
        TestPublisher<StreamElement<Integer>> upstream =
                TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);
        Data<Integer> late = data(4, 1);

        StepVerifier.create(upstream.flux().transform(halveEvens()))
                .then(() -> upstream.next(data(2, 0)))
                .expectNext(data(1, 0))
                .then(() -> upstream.complete().next(late))
                .expectComplete()
                .verifyThenAssertThat(TIMEOUT)
                .hasDroppedExactly(late);
    }

    @Test
    void nullElementFromANonCompliantPublisherFailsTheStreamAndCancelsIt() {
        TestPublisher<StreamElement<Integer>> upstream =
                TestPublisher.createNoncompliant(TestPublisher.Violation.ALLOW_NULL);

        StepVerifier.create(upstream.flux().transform(halveEvens()))
                .then(() -> upstream.next(null))
                .expectError(NullPointerException.class)
                .verify(TIMEOUT);

        upstream.assertCancelled();
    }

    @Test
    void checkpointedFluxHandleIsTheSameOperator() {
        StepVerifier.create(CheckpointedFlux.of(Flux.just(data(2, 0), marker(1, 1), data(3, 1)))
                        .<Integer>handle((value, sink) -> {
                            if (value % 2 == 0) {
                                sink.next(value * 100);
                            }
                        })
                        .elements())
                .expectNext(data(200, 0), marker(1, 1))
                .verifyComplete();
    }

    @Test
    void nullHandlerIsRefusedAtAssembly() {
        assertThatThrownBy(() -> Checkpointed.handle(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("handler");
    }
}
