package io.onceflow.core.internal.pipeline;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.internal.operators.Elements;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.util.concurrent.Queues;
import reactor.util.context.Context;

/**
 * The source stage's operator: runs one step function, in one serial order, over each record of the source and over
 * each wake-up of the checkpoint coordinator, and emits what it gives, zero, one or two elements, within demand.
 *
 * <pre>
 *   source records ──▶ step ──▶ d d [M] d d ...
 *   wake-ups ─────────▶ (a wake-up is a flag, not an element: it is served at the next turn of the loop)
 * </pre>
 *
 * <p>Why not {@code Flux.merge(wakeUps, records).handle(step)}: a merge's fast path hands a record downstream
 * directly whenever that record's own queue is empty, so a wake-up queued at a moment without demand waits for a
 * turn of the merge's drain loop that a steady flow of records need not give it; a checkpoint due under load was
 * seen to wait for the whole input (12,000 records past its trigger, 1.7 s). Here a wake-up sets a flag and takes the
 * drain loop: it is served before the next record. It also lets one step emit two elements (a marker due, then the
 * record), which {@code handle} cannot.
 *
 * <p>Demand: the upstream is asked for what downstream asks, plus one for each record that emitted nothing, less
 * one for each element emitted beyond one per record (a wake-up's marker, or a marker before a record), so that the
 * elements held here stay few. Cancellation cancels the upstream and the wake-up subscription and drops what is held.
 */
final class StepEmitter extends Flux<Object> {

    /** A step over one item of the source, or over a wake-up ({@code item == null}). */
    interface Step {
        void apply(@Nullable Object item, Output out);
    }

    /** Where a step emits; {@link #complete} ends the stream once what was emitted has gone. */
    interface Output {
        /** Emits a stream element, or a batch of records. */
        void next(Object element);

        void complete();

        void error(Throwable failure);

        /**
         * Steps {@code remainder} as an item of its own right after this step, once the wake-up this step caused (a
         * checkpoint that fell due) is served: a batch of records cut where its marker must go.
         */
        void again(Object remainder);
    }

    private final Flux<?> source;
    private final Flux<?> wakeUps;
    private final Step step;

    StepEmitter(Flux<?> source, Flux<?> wakeUps, Step step) {
        this.source = requireNonNull(source, "source");
        this.wakeUps = requireNonNull(wakeUps, "wakeUps");
        this.step = requireNonNull(step, "step");
    }

    @Override
    public void subscribe(CoreSubscriber<? super Object> actual) {
        StepSubscriber parent = new StepSubscriber(actual, step);
        actual.onSubscribe(parent);
        // wake-ups first: a source that emits while being subscribed must already find them listened to
        parent.wakeUpSubscription = wakeUps.subscribe(wake -> parent.wakeUp(), error -> {}, () -> {});
        source.subscribe(parent);
    }

    static final class StepSubscriber implements CoreSubscriber<Object>, Subscription, Output {

        private static final AtomicIntegerFieldUpdater<StepSubscriber> WIP =
                AtomicIntegerFieldUpdater.newUpdater(StepSubscriber.class, "wip");
        private static final AtomicLongFieldUpdater<StepSubscriber> REQUESTED =
                AtomicLongFieldUpdater.newUpdater(StepSubscriber.class, "requested");
        private static final AtomicLongFieldUpdater<StepSubscriber> DEBT =
                AtomicLongFieldUpdater.newUpdater(StepSubscriber.class, "debt");

        private final CoreSubscriber<? super Object> actual;
        private final Step step;

        /** Items of the source not yet stepped: only while another thread holds the loop. */
        private final Queue<Object> inbox =
                Queues.unbounded(Queues.SMALL_BUFFER_SIZE).get();

        /** Elements stepped and not yet emitted, for want of demand; the loop's owner only. */
        private final ArrayDeque<Object> held = new ArrayDeque<>();

        /** The source's subscription; what is requested before the source subscribes is requested then. */
        private final Operators.DeferredSubscription upstream = new Operators.DeferredSubscription();

        volatile @Nullable Disposable wakeUpSubscription;

        volatile int wip;
        volatile long requested;

        /** Elements emitted beyond one per item, not yet taken off the upstream's demand. */
        volatile long debt;

        private volatile boolean wakeUpPending;
        private volatile boolean upstreamDone;
        private volatile @Nullable Throwable upstreamError;
        private volatile boolean cancelled;

        // the loop's owner only
        private long emitted;
        private int outputs;
        private boolean completed;
        private @Nullable Throwable failed;
        private boolean terminated;
        private @Nullable Object again;

        StepSubscriber(CoreSubscriber<? super Object> actual, Step step) {
            this.actual = actual;
            this.step = step;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription subscription) {
            upstream.set(subscription);
        }

        @Override
        public void onNext(Object item) {
            if (upstreamDone || cancelled) {
                Operators.onDiscard(item, actual.currentContext());
                return;
            }
            if (wip == 0 && WIP.compareAndSet(this, 0, 1)) {
                if (inbox.isEmpty() && !wakeUpPending) {
                    run(item); // the usual case: no other thread holds the loop, nothing waits before this item
                } else {
                    inbox.offer(item);
                }
                loop(1);
                return;
            }
            inbox.offer(item);
            drain();
        }

        @Override
        public void onError(Throwable failure) {
            if (upstreamDone) {
                Operators.onErrorDropped(failure, actual.currentContext());
                return;
            }
            upstreamError = failure;
            upstreamDone = true;
            drain();
        }

        @Override
        public void onComplete() {
            upstreamDone = true;
            drain();
        }

        /** A wake-up of the coordinator: the step runs once for it, before the next record. */
        void wakeUp() {
            wakeUpPending = true;
            drain();
        }

        @Override
        public void request(long n) {
            if (!Operators.validate(n)) {
                return;
            }
            Operators.addCap(REQUESTED, this, n);
            long forward = n;
            for (long owed = debt; owed > 0 && forward > 0; owed = debt) {
                long paid = Math.min(owed, forward);
                if (DEBT.compareAndSet(this, owed, owed - paid)) {
                    forward -= paid;
                    break;
                }
            }
            if (forward > 0) {
                upstream.request(forward);
            }
            drain();
        }

        @Override
        public void cancel() {
            if (cancelled) {
                return;
            }
            cancelled = true;
            upstream.cancel();
            Disposable wakeUps = wakeUpSubscription;
            if (wakeUps != null) {
                wakeUps.dispose();
            }
            drain(); // the loop's owner drops what is held
        }

        // ---- Output, called by the step on the loop's owner ----

        @Override
        public void next(Object element) {
            outputs++;
            if (held.isEmpty() && emitted != requested) {
                actual.onNext(element);
                emitted++;
            } else {
                held.offer(element);
            }
        }

        @Override
        public void complete() {
            completed = true;
        }

        @Override
        public void again(Object remainder) {
            again = requireNonNull(remainder, "remainder");
        }

        @Override
        public void error(Throwable failure) {
            if (failed == null) {
                failed = failure;
            }
        }

        // ---- the loop ----

        private void drain() {
            if (WIP.getAndIncrement(this) == 0) {
                loop(1);
            }
        }

        /** Runs the step over one item (or a wake-up), and settles the upstream's demand with what it emitted. */
        private void run(@Nullable Object item) {
            apply(item);
            if (item == null) {
                if (outputs > 0) {
                    DEBT.addAndGet(this, outputs); // a wake-up's marker took demand no record had asked for
                }
            } else {
                settle();
            }
            // what the step asked to step again goes after the wake-up it caused, on demand no one asked for either
            while (again != null && !completed && failed == null) {
                Object remainder = again;
                again = null;
                if (wakeUpPending) {
                    wakeUpPending = false;
                    run(null);
                }
                apply(remainder);
                if (outputs > 0) {
                    DEBT.addAndGet(this, outputs);
                }
            }
            again = null;
        }

        private void apply(@Nullable Object item) {
            outputs = 0;
            try {
                step.apply(item, this);
            } catch (Throwable failure) {
                // an Error as a StageFailedException: onOperatorError would rethrow a JVM-fatal one up the stack
                error(Operators.onOperatorError(
                        upstream, Elements.signallable("source", null, failure), item, actual.currentContext()));
            }
        }

        /** Settles the upstream's demand after an item of the upstream was stepped. */
        private void settle() {
            if (outputs == 0) {
                if (!payDebt(1)) {
                    upstream.request(1); // a record that emitted nothing: ask for the next one instead
                }
            } else if (outputs > 1) {
                DEBT.addAndGet(this, outputs - 1);
            }
        }

        private boolean payDebt(long amount) {
            for (long owed = debt; owed >= amount; owed = debt) {
                if (DEBT.compareAndSet(this, owed, owed - amount)) {
                    return true;
                }
            }
            return false;
        }

        private void loop(int initialMissed) {
            int missed = initialMissed;
            for (; ; ) {
                if (cancelled) {
                    held.clear();
                    Operators.onDiscardQueueWithClear(inbox, actual.currentContext(), null);
                } else if (!terminated) {
                    if (wakeUpPending && !completed && failed == null) {
                        wakeUpPending = false;
                        run(null);
                    }
                    while (!completed && failed == null) {
                        emitHeld();
                        if (!held.isEmpty() || emitted == requested) {
                            break;
                        }
                        Object item = inbox.poll();
                        if (item == null) {
                            break;
                        }
                        run(item);
                        if (wakeUpPending) {
                            wakeUpPending = false;
                            run(null);
                        }
                    }
                    emitHeld();
                    terminateIfDone();
                }
                missed = WIP.addAndGet(this, -missed);
                if (missed == 0) {
                    return;
                }
            }
        }

        private void emitHeld() {
            while (emitted != requested && !cancelled) {
                Object element = held.poll();
                if (element == null) {
                    return;
                }
                actual.onNext(element);
                emitted++;
            }
        }

        private void terminateIfDone() {
            Throwable failure = failed;
            if (failure != null) {
                end();
                actual.onError(failure);
                return;
            }
            if (!held.isEmpty()) {
                return;
            }
            if (completed) {
                end();
                actual.onComplete();
                return;
            }
            if (upstreamDone && inbox.isEmpty()) {
                Throwable upstreamFailure = upstreamError;
                end();
                if (upstreamFailure != null) {
                    actual.onError(upstreamFailure);
                } else {
                    actual.onComplete();
                }
            }
        }

        /** Stops taking items: the step has completed or failed the stream, or the source has ended. */
        private void end() {
            terminated = true;
            if (!upstreamDone) {
                upstream.cancel();
            }
            Disposable wakeUps = wakeUpSubscription;
            if (wakeUps != null) {
                wakeUps.dispose();
            }
            held.clear();
            inbox.clear();
        }
    }
}
