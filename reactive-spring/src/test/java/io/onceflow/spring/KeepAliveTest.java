package io.onceflow.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Pipeline;
import io.onceflow.core.PipelineOptions;
import io.onceflow.core.PipelineStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The idle keep-alive on virtual time. A JVM pause (SIGSTOP, a long GC) is a stretch of time during which the
 * checkpoint in flight cannot complete while the timer keeps counting: here, time advances many intervals while the
 * fake pipeline holds its checkpoint, then the pipeline resumes.
 */
class KeepAliveTest {

    private static final Duration INTERVAL = Duration.ofSeconds(10);

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final IdlePipeline pipeline = new IdlePipeline(time);
    private Disposable subscription = () -> {};

    @AfterEach
    void dispose() {
        subscription.dispose();
        time.dispose();
    }

    @Test
    void checkpointsResumeAfterAPauseOfManyIntervals() {
        AtomicReference<Throwable> error = new AtomicReference<>();
        subscription = KeepAlive.rounds(pipeline, INTERVAL, time, () -> 0).subscribe(e -> {}, error::set);

        time.advanceTimeBy(INTERVAL);
        assertThat(pipeline.calls()).isEqualTo(1);

        pipeline.pause(); // the next checkpoint cannot complete: the whole process is stopped
        time.advanceTimeBy(INTERVAL);
        time.advanceTimeBy(INTERVAL.multipliedBy(40));
        int duringPause = pipeline.calls();
        pipeline.resume();

        time.advanceTimeBy(INTERVAL.multipliedBy(3));
        assertThat(error.get()).as("the loop's failure").isNull();
        assertThat(subscription.isDisposed()).isFalse();
        assertThat(pipeline.calls() - duringPause)
                .as("checkpoints after the pause")
                .isGreaterThanOrEqualTo(2);
        assertThat(pipeline.completed()).isGreaterThanOrEqualTo(3);
    }

    /** The chain the keep-alive replaces fails the same script: the test can tell a loop that survives. */
    @Test
    void theIntervalChainItReplacesDiesOfTheSamePause() {
        AtomicReference<Throwable> error = new AtomicReference<>();
        subscription = Flux.interval(INTERVAL, time)
                .filter(tick -> KeepAlive.idle(pipeline, INTERVAL, time, () -> 0))
                .concatMap(tick -> pipeline.checkpointNow().onErrorResume(e -> Mono.empty()))
                .subscribe(e -> {}, error::set);

        time.advanceTimeBy(INTERVAL);
        pipeline.pause();
        time.advanceTimeBy(INTERVAL);
        time.advanceTimeBy(INTERVAL.multipliedBy(40));
        pipeline.resume();
        time.advanceTimeBy(INTERVAL.multipliedBy(3));

        assertThat(error.get())
                .satisfies(e -> assertThat(Exceptions.isOverflow(e)).isTrue())
                .hasMessageContaining("due to lack of requests");
    }

    @Test
    void aFailedOrTimedOutCheckpointEndsNothing() {
        subscription = KeepAlive.rounds(pipeline, INTERVAL, time, () -> 0).subscribe();
        pipeline.failNext(2);
        time.advanceTimeBy(INTERVAL.multipliedBy(2));
        assertThat(pipeline.calls()).isEqualTo(2);
        assertThat(pipeline.completed()).isZero();

        pipeline.pause(); // held past the checkpoint timeout (60 s by default): the round gives up, the next one tries
        time.advanceTimeBy(Duration.ofSeconds(75));
        int held = pipeline.calls();
        pipeline.resume();
        time.advanceTimeBy(INTERVAL.multipliedBy(2));
        assertThat(pipeline.calls()).isGreaterThan(held);
        assertThat(pipeline.completed()).isPositive();
    }

    @Test
    void onlyARunningPipelineIdleForAnIntervalIsCheckpointed() {
        subscription = KeepAlive.rounds(pipeline, INTERVAL, time, () -> 0).subscribe();

        pipeline.state(PipelineStatus.State.RESTARTING);
        time.advanceTimeBy(INTERVAL.multipliedBy(3));
        assertThat(pipeline.calls()).as("while restarting").isZero();

        pipeline.state(PipelineStatus.State.RUNNING);
        pipeline.completedAt(time.now(TimeUnit.MILLISECONDS) - 1_000); // a checkpoint a second ago: not idle
        time.advanceTimeBy(Duration.ofSeconds(5));
        assertThat(pipeline.calls()).as("a recent checkpoint").isZero();
        time.advanceTimeBy(INTERVAL);
        assertThat(pipeline.calls()).as("idle for an interval").isEqualTo(1);
    }

    @Test
    void beforeItsFirstCheckpointThePipelineIsIdleSinceItStarted() {
        pipeline.completedAt(-1);
        long started = time.now(TimeUnit.MILLISECONDS) + 15_000;
        subscription = KeepAlive.rounds(pipeline, INTERVAL, time, () -> started).subscribe();
        time.advanceTimeBy(Duration.ofSeconds(20));
        assertThat(pipeline.calls()).as("started 5 s ago").isZero();
        time.advanceTimeBy(INTERVAL);
        assertThat(pipeline.calls()).isEqualTo(1);
    }

    /** A running pipeline with nothing to read, on the test's clock. */
    static final class IdlePipeline implements Pipeline {

        private final VirtualTimeScheduler time;
        private final PipelineOptions options = PipelineOptions.defaults("idle");
        private final AtomicInteger calls = new AtomicInteger();
        private final AtomicInteger completed = new AtomicInteger();
        private final AtomicInteger failures = new AtomicInteger();
        private final List<Sinks.One<CheckpointEvent>> held = new CopyOnWriteArrayList<>();
        private volatile boolean paused;
        private volatile PipelineStatus.State state = PipelineStatus.State.RUNNING;
        private volatile long completedAt = 0;

        IdlePipeline(VirtualTimeScheduler time) {
            this.time = time;
        }

        void pause() {
            paused = true;
        }

        void resume() {
            paused = false;
            held.forEach(one -> one.tryEmitValue(complete()));
            held.clear();
        }

        void failNext(int count) {
            failures.set(count);
        }

        void state(PipelineStatus.State newState) {
            state = newState;
        }

        void completedAt(long millis) {
            completedAt = millis;
        }

        int calls() {
            return calls.get();
        }

        int completed() {
            return completed.get();
        }

        private CheckpointEvent complete() {
            completedAt = time.now(TimeUnit.MILLISECONDS);
            return CheckpointEvent.completed(completed.incrementAndGet());
        }

        @Override
        public Mono<CheckpointEvent> checkpointNow() {
            return Mono.defer(() -> {
                calls.incrementAndGet();
                if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    return Mono.error(new IllegalStateException("the commit failed"));
                }
                if (paused) {
                    Sinks.One<CheckpointEvent> one = Sinks.one();
                    held.add(one);
                    return one.asMono();
                }
                return Mono.just(complete());
            });
        }

        @Override
        public PipelineStatus status() {
            return new PipelineStatus(state, completed.get(), completedAt, 0, null);
        }

        @Override
        public String name() {
            return "idle";
        }

        @Override
        public PipelineOptions options() {
            return options;
        }

        @Override
        public Flux<CheckpointEvent> run() {
            return Flux.never();
        }

        @Override
        public Flux<CheckpointEvent> events() {
            return Flux.never();
        }

        @Override
        public Mono<Void> stop() {
            return Mono.empty();
        }
    }
}
