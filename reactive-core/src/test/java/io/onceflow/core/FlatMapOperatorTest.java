package io.onceflow.core;

import static io.onceflow.core.DeadLetters.deadLetterOf;
import static io.onceflow.core.testkit.TestElements.data;
import static io.onceflow.core.testkit.TestElements.marker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
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

/**
 * Checkpointed.flatMap: inner outputs keep their record's origin and their records' order, the work overlapping; marker N
 * waits for every inner publisher started before it, and no inner publisher of a later record starts before it.
 */
class FlatMapOperatorTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** A record's value after {@code value} seconds of virtual time. */
    private static Mono<String> after(int value) {
        return Mono.delay(Duration.ofSeconds(value)).thenReturn("r" + value);
    }

    @Test
    void fansOutRecordsAndEmitsEachMarkerAfterItsSegmentsOutputs() {
        Flux<StreamElement<Integer>> input = Flux.just(data(2, 0), data(0, 1), marker(1, 2), data(1, 2), marker(2, 3));

        StepVerifier.create(input.transform(
                        Checkpointed.<Integer, Integer>flatMap(value -> Flux.range(value * 10, value), 4)))
                .expectNext(data(20, 0), data(21, 0), marker(1, 2), data(10, 2), marker(2, 3))
                .verifyComplete();
    }

    @Test
    void outputsKeepTheirRecordsOrigin() {
        Origin origin = new Origin("test", 4, 11, 9_000);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(new Data<>(2, origin))
                        .transform(Checkpointed.<Integer, String>flatMap(value -> Flux.just("a", "b"), 2)))
                .expectNext(new Data<>("a", origin), new Data<>("b", origin))
                .verifyComplete();
    }

    @Test
    void markerWaitsForEveryInnerPublisherStartedBeforeIt() {
        StepVerifier.withVirtualTime(() -> Flux.<StreamElement<Integer>>just(
                                data(3, 0), data(1, 1), marker(1, 2), data(1, 2), marker(2, 3))
                        .transform(Checkpointed.flatMap(FlatMapOperatorTest::after, 4)))
                .expectSubscription()
                // the faster inner of the segment finishes at 1 s, but its output waits for the record before it
                .expectNoEvent(Duration.ofMillis(2_999))
                .thenAwait(Duration.ofMillis(1))
                // marker 1 is held until the slowest inner before it completed, at 3 s; outputs in record order
                .expectNext(data("r3", 0), data("r1", 1), marker(1, 2))
                // the record after marker 1 started only then: its 1 s inner ends at 4 s, not at 1 s
                .expectNoEvent(Duration.ofMillis(999))
                .thenAwait(Duration.ofMillis(1))
                .expectNext(data("r1", 2), marker(2, 3))
                .verifyComplete();
    }

    @Test
    void outputsKeepTheirRecordsOrderWhateverOrderTheInnerPublishersFinishIn() {
        // a keyed operator downstream folds in arrival order: a reorder here would fold a replay in another order
        long[] delays = {5, 1, 4, 2, 3, 1, 5, 2};
        List<StreamElement<Integer>> input = new ArrayList<>();
        for (int i = 0; i < delays.length; i++) {
            input.add(data((int) delays[i], i));
        }
        input.add(marker(1, delays.length));
        List<StreamElement<String>> expected = new ArrayList<>();
        for (int i = 0; i < delays.length; i++) {
            expected.add(data("r" + delays[i], i));
            expected.add(data("r" + delays[i] + "'", i));
        }
        expected.add(marker(1, delays.length));

        StepVerifier.withVirtualTime(() -> Flux.fromIterable(input)
                        .transform(Checkpointed.<Integer, String>flatMap(
                                value -> after(value).concatWith(after(value).map(r -> r + "'")), 4)))
                .thenAwait(Duration.ofSeconds(60))
                .expectNextSequence(expected)
                .verifyComplete();
    }

    @Test
    void noInnerPublisherOfARecordAfterAMarkerStartsBeforeTheMarkerLeft() {
        List<String> events = new CopyOnWriteArrayList<>();

        StepVerifier.withVirtualTime(() -> Flux.<StreamElement<Integer>>just(
                                data(2, 0), data(2, 1), marker(1, 2), data(0, 2), data(0, 3), marker(2, 4))
                        .transform(Checkpointed.<Integer, String>flatMap(
                                value -> after(value).doOnSubscribe(s -> events.add("start " + value)), 8))
                        .doOnNext(element -> events.add(element.isMarker() ? "marker" : "output")))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(2))
                .expectNextCount(6)
                .verifyComplete();

        assertThat(events.subList(0, 5)).containsExactly("start 2", "start 2", "output", "output", "marker");
        assertThat(events.subList(5, 10)).containsExactlyInAnyOrder("start 0", "start 0", "output", "output", "marker");
        assertThat(events.get(9)).isEqualTo("marker");
    }

    @Test
    void concurrencyBoundsTheInnerPublishersInFlight() {
        AtomicInteger active = new AtomicInteger();
        AtomicInteger maxActive = new AtomicInteger();

        StepVerifier.withVirtualTime(() -> Flux.<StreamElement<Integer>>just(
                                data(1, 0), data(1, 1), data(1, 2), data(1, 3), marker(1, 4))
                        .transform(Checkpointed.<Integer, String>flatMap(
                                value -> after(value)
                                        .doOnSubscribe(
                                                s -> maxActive.accumulateAndGet(active.incrementAndGet(), Math::max))
                                        .doOnNext(done -> active.decrementAndGet()),
                                2)))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(data("r1", 0), data("r1", 1))
                .expectNoEvent(Duration.ofMillis(999))
                .thenAwait(Duration.ofMillis(1))
                .expectNext(data("r1", 2), data("r1", 3), marker(1, 4))
                .verifyComplete();

        assertThat(maxActive).hasValue(2);
    }

    @Test
    void failingInnerPublisherDeadLettersItsRecordAndKeepsTheOutputsBeforeTheFailure() {
        IllegalStateException boom = new IllegalStateException("remote call failed");
        Data<Integer> poison = data(2, 1);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(data(1, 0), poison, marker(1, 2), data(3, 2))
                        .transform(Checkpointed.<Integer, Integer>flatMap(
                                value ->
                                        value == 2 ? Flux.just(20).concatWith(Mono.error(boom)) : Flux.just(value * 10),
                                1)))
                .expectNext(data(10, 0), data(20, 1))
                .assertNext(deadLetterOf(poison, "flatMap", boom))
                .expectNext(marker(1, 2), data(30, 2))
                .verifyComplete();
    }

    @Test
    void throwingMapperDeadLettersTheRecord() {
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        Data<Integer> poison = data(2, 1);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(data(1, 0), poison, marker(1, 2))
                        .transform(Checkpointed.<Integer, Integer>flatMap(
                                value -> {
                                    if (value == 2) {
                                        throw boom;
                                    }
                                    return Mono.just(value);
                                },
                                1)))
                .expectNext(data(1, 0))
                .assertNext(deadLetterOf(poison, "flatMap", boom))
                .expectNext(marker(1, 2))
                .verifyComplete();
    }

    @Test
    void nullPublisherFromTheMapperDeadLettersTheRecord() {
        Data<Integer> poison = data(2, 0);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(poison, data(3, 1))
                        .transform(Checkpointed.<Integer, Integer>flatMap(
                                value -> value == 2 ? null : Mono.just(value), 1)))
                .assertNext(
                        deadLetterOf(poison, "flatMap", NullPointerException.class, "flatMap function returned null"))
                .expectNext(data(3, 1))
                .verifyComplete();
    }

    @Test
    void nullFromANonCompliantInnerPublisherDeadLettersTheRecordAndCancelsTheInner() {
        TestPublisher<Integer> inner = TestPublisher.createNoncompliant(TestPublisher.Violation.ALLOW_NULL);
        Data<Integer> poison = data(2, 1);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(data(1, 0), poison, marker(1, 2))
                        .transform(Checkpointed.<Integer, Integer>flatMap(
                                value -> value == 2 ? inner : Mono.just(value), 2)))
                .expectNext(data(1, 0))
                .then(() -> inner.next(null))
                .assertNext(deadLetterOf(poison, "flatMap", NullPointerException.class, "value"))
                .expectNext(marker(1, 2))
                .verifyComplete();

        inner.assertCancelled();
    }

    @Test
    void upstreamErrorPassesThroughAndCancelsInnerPublishersInFlight() {
        TestPublisher<StreamElement<Integer>> upstream = TestPublisher.create();
        PublisherProbe<Integer> slow = PublisherProbe.of(Mono.never());
        IllegalStateException failure = new IllegalStateException("source failed");

        StepVerifier.create(upstream.flux()
                        .transform(Checkpointed.<Integer, Integer>flatMap(
                                value -> value == 1 ? slow.mono() : Mono.just(value), 4)))
                .then(() -> upstream.next(data(0, 0), data(1, 1)))
                .expectNext(data(0, 0))
                .then(slow::assertWasSubscribed)
                .then(() -> upstream.error(failure))
                .expectErrorSatisfies(error -> assertThat(error).isSameAs(failure))
                .verify(TIMEOUT);

        slow.assertWasCancelled();
    }

    @Test
    void cancellationCancelsUpstreamAndInnerPublishersInFlight() {
        TestPublisher<StreamElement<Integer>> upstream = TestPublisher.create();
        PublisherProbe<Integer> slow = PublisherProbe.of(Mono.never());

        StepVerifier.create(upstream.flux()
                        .transform(Checkpointed.<Integer, Integer>flatMap(
                                value -> value == 1 ? slow.mono() : Mono.just(value), 4)))
                .then(() -> upstream.next(data(0, 0), data(1, 1)))
                .expectNext(data(0, 0))
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

        StepVerifier.create(endless.transform(Checkpointed.<Integer, Integer>flatMap(Mono::just, 4)), 0)
                .thenRequest(3)
                .expectNextCount(3)
                .then(() -> assertThat(cancelled).isFalse())
                // cancelled from outside the source's emission loop, as a subscriber on another thread would
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

        StepVerifier.create(source.transform(Checkpointed.<Integer, Integer>flatMap(Mono::just, 4)), 0)
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
                                .transform(Checkpointed.<Integer, Integer>flatMap(value -> Flux.range(0, value), 4)),
                        0)
                .expectSubscription()
                .thenRequest(1)
                .expectNext(data(0, 0))
                .thenRequest(2)
                .expectNext(data(1, 0), marker(1, 1))
                .thenRequest(1)
                .expectNext(data(0, 1))
                .thenRequest(1)
                .expectNext(marker(2, 2))
                .verifyComplete();
    }

    @Test
    void recordsAfterCompletionOfANonCompliantPublisherAreDropped() {
        TestPublisher<StreamElement<Integer>> upstream =
                TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);
        Data<Integer> late = data(9, 2);

        StepVerifier.create(upstream.flux().transform(Checkpointed.<Integer, Integer>flatMap(Mono::just, 2)))
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
        StepVerifier.create(upstream.flux().transform(Checkpointed.<Integer, Integer>flatMap(Mono::just, 2)))
                .then(() -> assertThatThrownBy(() -> upstream.next(null)).isInstanceOf(NullPointerException.class))
                .then(() -> upstream.next(data(1, 0), marker(1, 1)))
                .expectNext(data(1, 0), marker(1, 1))
                .then(upstream::complete)
                .verifyComplete();
    }

    @Test
    void recordsAfterTheLastMarkerAreEmittedWhenUpstreamCompletes() {
        StepVerifier.create(Flux.<StreamElement<Integer>>just(marker(1, 0), marker(2, 0), data(1, 0), data(2, 1))
                        .transform(Checkpointed.<Integer, Integer>flatMap(Mono::just, 2)))
                .expectNext(marker(1, 0), marker(2, 0), data(1, 0), data(2, 1))
                .verifyComplete();

        StepVerifier.create(Flux.<StreamElement<Integer>>empty()
                        .transform(Checkpointed.<Integer, Integer>flatMap(Mono::just, 2)))
                .verifyComplete();
    }

    @Test
    void deadLettersFromUpstreamStayInTheirSegment() {
        DeadLetter<Integer> upstreamDeadLetter =
                new DeadLetter<>(new Origin("test", 0, 0, 0), "deserialize", null, new IllegalStateException());

        StepVerifier.withVirtualTime(
                        () -> Flux.<StreamElement<Integer>>just(upstreamDeadLetter, data(1, 1), marker(1, 2))
                                .transform(Checkpointed.flatMap(FlatMapOperatorTest::after, 2)))
                .expectSubscription()
                .assertNext(element -> assertThat(element).isSameAs(upstreamDeadLetter))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(data("r1", 1), marker(1, 2))
                .verifyComplete();
    }

    @Test
    void checkpointedFluxFlatMapIsTheSameOperator() {
        StepVerifier.withVirtualTime(() -> CheckpointedFlux.of(
                                Flux.<StreamElement<Integer>>just(data(2, 0), marker(1, 1), data(1, 1)))
                        .flatMap(FlatMapOperatorTest::after, 2)
                        .elements())
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(2))
                .expectNext(data("r2", 0), marker(1, 1))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(data("r1", 1))
                .verifyComplete();
    }

    @Test
    void invalidArgumentsAreRefusedAtAssembly() {
        assertThatThrownBy(() -> Checkpointed.flatMap(Mono::just, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("concurrency");
        assertThatThrownBy(() -> Checkpointed.flatMap(null, 1))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("mapper");
    }
}
