package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

class LingerOnCancelTest {

    @Test
    void upstreamIsCancelledOnlyWhenUntilTerminates() {
        TestPublisher<Integer> upstream =
                TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);
        Sinks.Empty<Void> until = Sinks.empty();

        StepVerifier.create(new LingerOnCancel<>(upstream.flux(), until.asMono(), Duration.ofMinutes(1)), 2)
                .then(() -> upstream.next(1, 2))
                .expectNext(1, 2)
                .thenCancel()
                .verify(Duration.ofSeconds(5));

        upstream.assertNotCancelled();
        upstream.next(3); // arrives after the cancellation: discarded, never delivered
        until.tryEmitEmpty();
        upstream.assertCancelled();
    }

    @Test
    void noRequestsAfterTheCancellation() {
        AtomicLong requested = new AtomicLong();
        Flux<Integer> upstream = Flux.<Integer>never().doOnRequest(requested::addAndGet);
        BaseSubscriber<Integer> subscriber = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
                subscription.request(1);
            }
        };
        new LingerOnCancel<>(upstream, Sinks.empty().asMono(), Duration.ofMinutes(1)).subscribe(subscriber);
        subscriber.cancel();
        subscriber.request(5);
        assertThat(requested).hasValue(1);
    }

    @Test
    void lingersAtMostTheBound() {
        AtomicBoolean cancelled = new AtomicBoolean();
        Flux<Integer> upstream = Flux.<Integer>never().doOnCancel(() -> cancelled.set(true));
        StepVerifier.withVirtualTime(
                        () -> new LingerOnCancel<>(upstream, Sinks.empty().asMono(), Duration.ofSeconds(30)))
                .thenAwait(Duration.ofSeconds(1))
                .thenCancel()
                .verify(Duration.ofSeconds(5));
        assertThat(cancelled).isFalse();
    }

    @Test
    void completionAndErrorsPassThrough() {
        StepVerifier.create(new LingerOnCancel<>(Flux.just(1, 2), Sinks.empty().asMono(), Duration.ofSeconds(1)))
                .expectNext(1, 2)
                .verifyComplete();
        StepVerifier.create(new LingerOnCancel<>(
                        Flux.<Integer>error(new IllegalStateException("x")),
                        Sinks.empty().asMono(),
                        Duration.ofSeconds(1)))
                .verifyErrorMessage("x");
    }
}
