package io.onceflow.core;

import static io.onceflow.core.DeadLetters.deadLetterOf;
import static io.onceflow.core.testkit.TestElements.data;
import static io.onceflow.core.testkit.TestElements.marker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.publisher.PublisherProbe;
import reactor.test.publisher.TestPublisher;

/** Checkpointed.concatMap: one inner publisher at a time, outputs in record order, each marker after its segment. */
class ConcatMapOperatorTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** A record's value after {@code value} seconds of virtual time. */
    private static Mono<String> after(int value) {
        return Mono.delay(Duration.ofSeconds(value)).thenReturn("r" + value);
    }

    @Test
    void keepsRecordOrderAndEmitsEachMarkerAfterItsSegmentsOutputs() {
        StepVerifier.withVirtualTime(() -> Flux.<StreamElement<Integer>>just(
                                data(3, 0), data(1, 1), marker(1, 2), data(1, 2), marker(2, 3))
                        .transform(Checkpointed.concatMap(ConcatMapOperatorTest::after)))
                .expectSubscription()
                // the 1 s inner of the second record only starts once the 3 s inner of the first completed
                .expectNoEvent(Duration.ofMillis(2_999))
                .thenAwait(Duration.ofMillis(1))
                .expectNext(data("r3", 0))
                .expectNoEvent(Duration.ofMillis(999))
                .thenAwait(Duration.ofMillis(1))
                .expectNext(data("r1", 1), marker(1, 2))
                .expectNoEvent(Duration.ofMillis(999))
                .thenAwait(Duration.ofMillis(1))
                .expectNext(data("r1", 2), marker(2, 3))
                .verifyComplete();
    }

    @Test
    void fansOutSynchronouslyWithOrigins() {
        Origin origin = new Origin("test", 2, 5, 50);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(new Data<>(2, origin), marker(1, 6), data(1, 6))
                        .transform(Checkpointed.<Integer, Integer>concatMap(value -> Flux.range(value * 10, value))))
                .expectNext(new Data<>(20, origin), new Data<>(21, origin), marker(1, 6), data(10, 6))
                .verifyComplete();
    }

    @Test
    void runsOneInnerPublisherAtATimeAndNoneOfALaterSegmentBeforeItsMarker() {
        List<String> events = new CopyOnWriteArrayList<>();
        AtomicInteger active = new AtomicInteger();
        AtomicInteger maxActive = new AtomicInteger();

        StepVerifier.withVirtualTime(() -> Flux.<StreamElement<Integer>>just(
                                data(1, 0), data(1, 1), marker(1, 2), data(1, 2))
                        .transform(Checkpointed.<Integer, String>concatMap(value -> after(value)
                                .doOnSubscribe(s -> {
                                    events.add("start");
                                    maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
                                })
                                .doOnNext(done -> active.decrementAndGet())))
                        .doOnNext(element -> events.add(element.isMarker() ? "marker" : "output")))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(3))
                .expectNextCount(4)
                .verifyComplete();

        assertThat(maxActive).hasValue(1);
        assertThat(events).containsExactly("start", "output", "start", "output", "marker", "start", "output");
    }

    @Test
    void failingInnerPublisherDeadLettersItsRecordAndKeepsTheOutputsBeforeTheFailure() {
        IllegalStateException boom = new IllegalStateException("remote call failed");
        Data<Integer> poison = data(2, 1);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(data(1, 0), poison, marker(1, 2), data(3, 2))
                        .transform(Checkpointed.<Integer, Integer>concatMap(value ->
                                value == 2 ? Flux.just(20).concatWith(Mono.error(boom)) : Flux.just(value * 10))))
                .expectNext(data(10, 0), data(20, 1))
                .assertNext(deadLetterOf(poison, "concatMap", boom))
                .expectNext(marker(1, 2), data(30, 2))
                .verifyComplete();
    }

    @Test
    void throwingMapperDeadLettersTheRecord() {
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        Data<Integer> poison = data(2, 1);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(data(1, 0), poison, marker(1, 2))
                        .transform(Checkpointed.<Integer, Integer>concatMap(value -> {
                            if (value == 2) {
                                throw boom;
                            }
                            return Mono.just(value);
                        })))
                .expectNext(data(1, 0))
                .assertNext(deadLetterOf(poison, "concatMap", boom))
                .expectNext(marker(1, 2))
                .verifyComplete();
    }

    @Test
    void nullPublisherFromTheMapperDeadLettersTheRecord() {
        Data<Integer> poison = data(2, 0);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(poison, data(3, 1))
                        .transform(Checkpointed.<Integer, Integer>concatMap(
                                value -> value == 2 ? null : Mono.just(value))))
                .assertNext(deadLetterOf(
                        poison, "concatMap", NullPointerException.class, "concatMap function returned null"))
                .expectNext(data(3, 1))
                .verifyComplete();
    }

    @Test
    void nullFromANonCompliantInnerPublisherDeadLettersTheRecord() {
        TestPublisher<Integer> inner = TestPublisher.createNoncompliant(TestPublisher.Violation.ALLOW_NULL);
        Data<Integer> poison = data(2, 0);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(poison, data(3, 1), marker(1, 2))
                        .transform(Checkpointed.<Integer, Integer>concatMap(
                                value -> value == 2 ? inner : Mono.just(value))))
                .then(() -> inner.next(null))
                .assertNext(deadLetterOf(poison, "concatMap", NullPointerException.class, "value"))
                .expectNext(data(3, 1), marker(1, 2))
                .verifyComplete();

        inner.assertCancelled();
    }

    @Test
    void upstreamErrorPassesThroughAndCancelsTheInnerPublisherInFlight() {
        TestPublisher<StreamElement<Integer>> upstream = TestPublisher.create();
        PublisherProbe<Integer> slow = PublisherProbe.of(Mono.never());
        IllegalStateException failure = new IllegalStateException("source failed");

        StepVerifier.create(upstream.flux()
                        .transform(Checkpointed.<Integer, Integer>concatMap(
                                value -> value == 0 ? slow.mono() : Mono.just(value))))
                .then(() -> upstream.next(data(1, 0), data(0, 1)))
                .expectNext(data(1, 0))
                .then(slow::assertWasSubscribed)
                .then(() -> upstream.error(failure))
                .expectErrorSatisfies(error -> assertThat(error).isSameAs(failure))
                .verify(TIMEOUT);

        slow.assertWasCancelled();
    }

    @Test
    void cancellationCancelsUpstreamAndTheInnerPublisherInFlight() {
        TestPublisher<StreamElement<Integer>> upstream = TestPublisher.create();
        PublisherProbe<Integer> slow = PublisherProbe.of(Mono.never());

        StepVerifier.create(upstream.flux()
                        .transform(Checkpointed.<Integer, Integer>concatMap(
                                value -> value == 0 ? slow.mono() : Mono.just(value))))
                .then(() -> upstream.next(data(1, 0), data(0, 1)))
                .expectNext(data(1, 0))
                .then(slow::assertWasSubscribed)
                .thenCancel()
                .verify(TIMEOUT);

        upstream.assertCancelled();
        slow.assertWasCancelled();
    }

    @Test
    void cancellationWithoutAMarkerInSightCancelsUpstreamInsteadOfDrainingIt() {
        AtomicLong emitted = new AtomicLong();
        AtomicBoolean cancelled = new AtomicBoolean();
        Flux<StreamElement<Integer>> endless = Flux.range(0, 1_000_000)
                .<StreamElement<Integer>>map(i -> data(i, i))
                .hide()
                .doOnNext(element -> emitted.incrementAndGet())
                .doOnCancel(() -> cancelled.set(true));

        StepVerifier.create(endless.transform(Checkpointed.<Integer, Integer>concatMap(Mono::just)), 0)
                .thenRequest(3)
                .expectNextCount(3)
                .then(() -> assertThat(cancelled).isFalse())
                .thenCancel()
                .verify(TIMEOUT);

        assertThat(cancelled).isTrue();
        assertThat(emitted.get()).as("records pulled from upstream").isLessThan(1_000);
    }

    @Test
    void upstreamDemandStaysBoundedWhateverTheDownstreamDemand() {
        AtomicLong requested = new AtomicLong();
        Flux<StreamElement<Integer>> source = Flux.range(0, 100_000)
                .<StreamElement<Integer>>map(i -> i % 10 == 9 ? marker(i / 10 + 1, i) : data(i, i))
                .hide()
                .doOnRequest(n -> requested.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b));

        StepVerifier.create(source.transform(Checkpointed.<Integer, Integer>concatMap(Mono::just)), 0)
                .expectSubscription()
                .then(() -> assertThat(requested.get())
                        .as("requested before any demand")
                        .isLessThan(1_000))
                .thenRequest(3)
                .expectNext(data(0, 0), data(1, 1), data(2, 2))
                .then(() -> assertThat(requested.get())
                        .as("requested for 3 outputs")
                        .isLessThan(1_000))
                .thenCancel()
                .verify(TIMEOUT);
    }

    @Test
    void emitsNoMoreThanRequestedAcrossMarkers() {
        StepVerifier.create(
                        Flux.<StreamElement<Integer>>just(data(2, 0), marker(1, 1), data(1, 1), marker(2, 2))
                                .transform(Checkpointed.<Integer, Integer>concatMap(value -> Flux.range(0, value))),
                        0)
                .expectSubscription()
                .thenRequest(1)
                .expectNext(data(0, 0))
                .thenRequest(2)
                .expectNext(data(1, 0), marker(1, 1))
                .thenRequest(2)
                .expectNext(data(0, 1), marker(2, 2))
                .verifyComplete();
    }

    @Test
    void recordsAfterCompletionOfANonCompliantPublisherAreDropped() {
        TestPublisher<StreamElement<Integer>> upstream =
                TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);
        Data<Integer> late = data(9, 2);

        StepVerifier.create(upstream.flux().transform(Checkpointed.<Integer, Integer>concatMap(Mono::just)))
                .then(() -> upstream.next(data(1, 0), marker(1, 1)))
                .expectNext(data(1, 0), marker(1, 1))
                .then(() -> upstream.complete().next(late))
                .expectComplete()
                .verifyThenAssertThat(TIMEOUT)
                .hasDroppedExactly(late);
    }

    @Test
    void nullElementFromANonCompliantPublisherIsThrownBackToItAndTheStreamGoesOn() {
        TestPublisher<StreamElement<Integer>> upstream =
                TestPublisher.createNoncompliant(TestPublisher.Violation.ALLOW_NULL);

        // Reactive Streams rule 2.13: onNext(null) throws a NullPointerException to the caller
        StepVerifier.create(upstream.flux().transform(Checkpointed.<Integer, Integer>concatMap(Mono::just)))
                .then(() -> assertThatThrownBy(() -> upstream.next(null)).isInstanceOf(NullPointerException.class))
                .then(() -> upstream.next(data(1, 0), marker(1, 1)))
                .expectNext(data(1, 0), marker(1, 1))
                .then(upstream::complete)
                .verifyComplete();
    }

    @Test
    void checkpointedFluxConcatMapIsTheSameOperator() {
        StepVerifier.withVirtualTime(() -> CheckpointedFlux.of(
                                Flux.<StreamElement<Integer>>just(data(2, 0), data(1, 1), marker(1, 2)))
                        .concatMap(ConcatMapOperatorTest::after)
                        .elements())
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(3))
                .expectNext(data("r2", 0), data("r1", 1), marker(1, 2))
                .verifyComplete();
    }

    @Test
    void nullMapperIsRefusedAtAssembly() {
        assertThatThrownBy(() -> Checkpointed.concatMap(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("mapper");
    }
}
