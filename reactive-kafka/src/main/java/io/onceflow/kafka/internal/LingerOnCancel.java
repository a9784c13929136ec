package io.onceflow.kafka.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * Delays a cancellation on its way upstream: downstream sees nothing more at once, but the upstream subscription is
 * cancelled only when {@code until} terminates (or after {@code atMost}).
 *
 * <pre>
 *   upstream  ─a─b─c──d──e──────────|cancel
 *   downstream ─a─b─c─X                          X = cancel: d and e are discarded
 *   until      ───────────────────────|
 * </pre>
 *
 * <p>The Kafka source needs it: when a pipeline stops gracefully, its source is cancelled and then the final
 * checkpoint commits. Its consumer must stay in the group until that commit, or the transaction's offsets would
 * carry the group metadata of a member that has left, and be refused. Requests stop with the cancellation, so the
 * consumer pauses its partitions and only keeps its membership.
 *
 * <p><strong>Discard Support</strong>: elements arriving after the cancellation are discarded.
 */
final class LingerOnCancel<T> extends FluxOperator<T, T> {

    private final Mono<?> until;
    private final Duration atMost;

    LingerOnCancel(Flux<? extends T> source, Mono<?> until, Duration atMost) {
        super(source);
        this.until = until;
        this.atMost = atMost;
    }

    @Override
    public void subscribe(CoreSubscriber<? super T> actual) {
        source.subscribe(new LingeringSubscriber<>(actual, until, atMost));
    }

    static final class LingeringSubscriber<T> implements CoreSubscriber<T>, Subscription {
        private final CoreSubscriber<? super T> actual;
        private final Mono<?> until;
        private final Duration atMost;
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private @Nullable Subscription upstream;

        LingeringSubscriber(CoreSubscriber<? super T> actual, Mono<?> until, Duration atMost) {
            this.actual = actual;
            this.until = until;
            this.atMost = atMost;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription subscription) {
            if (Operators.validate(upstream, subscription)) {
                upstream = subscription;
                actual.onSubscribe(this);
            }
        }

        @Override
        public void onNext(T element) {
            if (cancelled.get()) {
                Operators.onDiscard(element, actual.currentContext());
                return;
            }
            actual.onNext(element);
        }

        @Override
        public void onError(Throwable error) {
            if (!cancelled.get()) {
                actual.onError(error);
            }
        }

        @Override
        public void onComplete() {
            if (!cancelled.get()) {
                actual.onComplete();
            }
        }

        @Override
        public void request(long n) {
            Subscription subscription = upstream;
            if (!cancelled.get() && subscription != null) {
                subscription.request(n);
            }
        }

        @Override
        public void cancel() {
            if (cancelled.compareAndSet(false, true)) {
                Subscription subscription = upstream;
                until.then()
                        .timeout(atMost)
                        .onErrorResume(e -> Mono.empty())
                        .doFinally(signal -> {
                            if (subscription != null) {
                                subscription.cancel();
                            }
                        })
                        .subscribe();
            }
        }
    }
}
