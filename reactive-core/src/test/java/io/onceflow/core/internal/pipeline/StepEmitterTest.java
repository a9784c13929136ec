package io.onceflow.core.internal.pipeline;

import static io.onceflow.core.testkit.TestElements.data;
import static io.onceflow.core.testkit.TestElements.marker;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

/**
 * The source stage's operator: a step over records and wake-ups, emitting zero, one or two elements each, within
 * demand, in one serial order.
 */
class StepEmitterTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** Each record passes; a record divisible by 3 is preceded by a marker; a negative one is dropped. */
    private static StepEmitter.Step markerBeforeEveryThird(AtomicInteger markers) {
        return (item, out) -> {
            if (item == null) {
                out.next(marker(markers.incrementAndGet(), 0));
                return;
            }
            int value = (Integer) item;
            if (value < 0) {
                return;
            }
            if (value % 3 == 0) {
                out.next(marker(markers.incrementAndGet(), value));
            }
            out.next(data(value, value));
        };
    }

    @Test
    void twoElementsForOneRecordStayWithinDemand() {
        TestPublisher<Integer> source = TestPublisher.create();
        AtomicInteger markers = new AtomicInteger();
        StepVerifier.create(new StepEmitter(source.flux(), Flux.never(), markerBeforeEveryThird(markers)), 0)
                .thenRequest(2)
                .then(() -> source.next(1, 3))
                .expectNext(data(1, 1), marker(1, 3))
                .then(() -> source.assertMinRequested(0))
                // the record after the marker waits for demand
                .expectNoEvent(Duration.ofMillis(50))
                .thenRequest(1)
                .expectNext(data(3, 3))
                .thenRequest(1)
                .then(() -> source.next(4).complete())
                .expectNext(data(4, 4))
                .verifyComplete();
    }

    @Test
    void aRecordThatEmitsNothingAsksTheSourceForTheNextOne() {
        TestPublisher<Integer> source = TestPublisher.create();
        StepVerifier.create(
                        new StepEmitter(source.flux(), Flux.never(), markerBeforeEveryThird(new AtomicInteger())), 0)
                .thenRequest(1)
                .then(() -> source.assertMinRequested(1))
                .then(() -> source.next(-1))
                .then(() -> source.assertMinRequested(1))
                .then(() -> source.next(2))
                .expectNext(data(2, 2))
                .thenCancel()
                .verify(TIMEOUT);
        source.assertCancelled();
    }

    @Test
    void aWakeUpIsServedWhileTheSourceIsIdleAndBeforeTheNextRecord() {
        TestPublisher<Integer> source = TestPublisher.create();
        Sinks.Many<Object> wakeUps = Sinks.many().unicast().onBackpressureBuffer();
        AtomicInteger markers = new AtomicInteger();
        StepVerifier.create(new StepEmitter(source.flux(), wakeUps.asFlux(), markerBeforeEveryThird(markers)))
                .then(() -> source.next(1))
                .expectNext(data(1, 1))
                .then(() -> wakeUps.tryEmitNext("wake"))
                .expectNext(marker(1, 0))
                .then(() -> source.next(2))
                .expectNext(data(2, 2))
                .then(source::complete)
                .verifyComplete();
    }

    /**
     * A list of records is cut after its first two, where a checkpoint falls due: the first part goes, then the marker
     * the wake-up makes, then the rest, stepped again (and cut again), all on one request for the list.
     */
    @Test
    void whatAStepCutsOffIsSteppedAgainAfterTheWakeUpItCaused() {
        TestPublisher<List<Integer>> source = TestPublisher.create();
        Sinks.Many<Object> wakeUps = Sinks.many().unicast().onBackpressureBuffer();
        AtomicInteger markers = new AtomicInteger();
        StepEmitter.Step cutEveryTwo = (item, out) -> {
            if (item == null) {
                out.next(marker(markers.incrementAndGet(), 0));
                return;
            }
            List<?> records = (List<?>) item;
            if (records.size() > 2) {
                out.again(records.subList(2, records.size()));
                wakeUps.tryEmitNext("due"); // what the coordinator does when the count is reached
            }
            out.next(records.subList(0, Math.min(2, records.size())));
        };
        StepVerifier.create(new StepEmitter(source.flux(), wakeUps.asFlux(), cutEveryTwo), 0)
                .thenRequest(1)
                .then(() -> source.next(List.of(1, 2, 3, 4, 5)))
                .expectNext(List.of(1, 2))
                .then(() -> source.assertMaxRequested(0))
                // what the step emitted beyond the list it was given waits for demand, in order
                .expectNoEvent(Duration.ofMillis(50))
                .thenRequest(4)
                .expectNext(marker(1, 0), List.of(3, 4), marker(2, 0), List.of(5))
                // the elements beyond one per list were paid for by the demand above: the source is asked for nothing
                .then(() -> source.assertMaxRequested(0))
                .thenRequest(1)
                .then(() -> source.assertMinRequested(1))
                .then(() -> source.next(List.of(6)).complete())
                .expectNext(List.of(6))
                .verifyComplete();
    }

    @Test
    void anUpstreamErrorComesAfterWhatWasEmittedBeforeIt() {
        TestPublisher<Integer> source = TestPublisher.create();
        IllegalStateException failure = new IllegalStateException("source failed");
        StepVerifier.create(new StepEmitter(source.flux(), Flux.never(), markerBeforeEveryThird(new AtomicInteger())))
                .then(() -> source.next(3).error(failure))
                .expectNext(marker(1, 3), data(3, 3))
                .expectErrorSatisfies(error -> assertThat(error).isSameAs(failure))
                .verify(TIMEOUT);
    }

    @Test
    void aFailingStepFailsTheStreamAndCancelsTheSource() {
        TestPublisher<Integer> source = TestPublisher.create();
        StepVerifier.create(new StepEmitter(source.flux(), Flux.never(), (item, out) -> {
                    if (Integer.valueOf(2).equals(item)) {
                        throw new IllegalArgumentException("bad step");
                    }
                    out.next(data((Integer) item, 0));
                }))
                .then(() -> source.next(1, 2))
                .expectNext(data(1, 0))
                .expectErrorMessage("bad step")
                .verify(TIMEOUT);
        source.assertCancelled();
    }

    @Test
    void theStepEndsTheStreamOnceWhatItEmittedHasGone() {
        StepVerifier.create(
                        new StepEmitter(Flux.just(1, 2, 3), Flux.never(), (item, out) -> {
                            out.next(data((Integer) item, 0));
                            if (Integer.valueOf(2).equals(item)) {
                                out.next(marker(1, 2));
                                out.complete();
                            }
                        }),
                        1)
                .expectNext(data(1, 0))
                .thenRequest(1)
                .expectNext(data(2, 0))
                .expectNoEvent(Duration.ofMillis(50))
                .thenRequest(1)
                .expectNext(marker(1, 2))
                .verifyComplete();
    }
}
