package io.onceflow.core;

import static io.onceflow.core.VirtualTime.withVirtualTime;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.StepVerifier;

// How a run ends: stop() and a finite source end it after a final checkpoint; cancelling ends it abruptly.
class StopTest {

    private final TestSource<String> source = TestSource.create();
    private final InMemoryCommitPoint<String> sink = InMemoryCommitPoint.create();
    private final AtomicBoolean stopped = new AtomicBoolean();

    private Pipeline pipeline() {
        return Onceflow.pipeline("stop")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(Duration.ofSeconds(10))
                .restartPolicy(RestartPolicy.defaults()
                        .withBackoff(Duration.ofSeconds(5), Duration.ofSeconds(5))
                        .withJitter(0))
                .from(source)
                .to(sink);
    }

    @Test
    void stopTakesAFinalCheckpointAndCompletesTheRun() {
        Pipeline pipeline = pipeline();

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a", "b"))
                .then(() -> pipeline.stop().subscribe(null, null, () -> stopped.set(true)))
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(1));
                    assertThat(event.records()).isEqualTo(2);
                })
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        assertThat(stopped).isTrue();
        assertThat(sink.committed()).containsExactly("a", "b");
        assertThat(pipeline.status().state()).isEqualTo(PipelineStatus.State.STOPPED);
    }

    @Test
    void stopWaitsForTheCheckpointInFlightThenCommitsTheRest() {
        SlowCommitPoint<String> slow = SlowCommitPoint.wrap(sink).delay(Duration.ofSeconds(3));
        Pipeline pipeline = Onceflow.pipeline("stop")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(Duration.ofSeconds(10))
                .from(source)
                .to(slow);

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(10))
                .then(() -> source.emit("b"))
                .then(() -> pipeline.stop().subscribe(null, null, () -> stopped.set(true)))
                .thenAwait(Duration.ofMillis(2999))
                .then(() -> assertThat(stopped).isFalse())
                .thenAwait(Duration.ofMillis(1))
                .expectNext(CheckpointEvent.completed(1))
                .thenAwait(Duration.ofSeconds(3))
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(2));
                    assertThat(event.records()).isEqualTo(1);
                })
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        assertThat(stopped).isTrue();
        assertThat(sink.committed()).containsExactly("a", "b");
    }

    @Test
    void stopWithNothingNewCompletesWithoutAnotherCheckpoint() {
        Pipeline pipeline = pipeline();

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(10))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> pipeline.stop().subscribe(null, null, () -> stopped.set(true)))
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        assertThat(stopped).isTrue();
        assertThat(sink.commits()).isEqualTo(1);
    }

    @Test
    void stopWhenNotRunningCompletesAtOnce() {
        StepVerifier.create(pipeline().stop()).expectComplete().verify(Duration.ofSeconds(5));
    }

    @Test
    void stopDuringARestartBackoffEndsTheRun() {
        Pipeline pipeline = pipeline();

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a"))
                .then(sink::failNextCommit)
                .thenAwait(Duration.ofSeconds(10))
                .assertNext(event -> assertThat(event.failed()).isTrue())
                .then(() -> assertThat(pipeline.status().state()).isEqualTo(PipelineStatus.State.RESTARTING))
                .then(() -> pipeline.stop().subscribe(null, null, () -> stopped.set(true)))
                .thenAwait(Duration.ofSeconds(5))
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        assertThat(stopped).isTrue();
        assertThat(source.opens()).isEqualTo(1);
        assertThat(sink.committed()).isEmpty();
    }

    @Test
    void stopReachesARunRestartedWithoutBackoff() {
        Pipeline pipeline = Onceflow.pipeline("stop")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(Duration.ofSeconds(10))
                .restartPolicy(RestartPolicy.defaults().withBackoff(Duration.ZERO, Duration.ZERO))
                .from(source)
                .to(sink);

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a"))
                .then(sink::failNextCommit)
                // failing outside a timer, the restart happens while the failed attempt is still unwinding
                .then(() -> pipeline.checkpointNow().subscribe())
                .assertNext(event -> assertThat(event.failed()).isTrue())
                .then(() -> assertThat(source.opens()).isEqualTo(2))
                .then(() -> pipeline.stop().subscribe(null, null, () -> stopped.set(true)))
                .expectNext(CheckpointEvent.completed(1))
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        assertThat(stopped).isTrue();
        assertThat(sink.committed()).containsExactly("a");
    }

    @Test
    void aFiniteSourceEndsTheRunAfterAFinalCheckpoint() {
        Pipeline pipeline = pipeline();

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(10))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> source.emit("b", "c").complete())
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(2));
                    assertThat(event.records()).isEqualTo(2);
                })
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        assertThat(sink.committed()).containsExactly("a", "b", "c");
        assertThat(pipeline.status().state()).isEqualTo(PipelineStatus.State.STOPPED);
    }

    @Test
    void aFiniteSourceWithNothingNewEndsWithoutAnotherCheckpoint() {
        Pipeline pipeline = pipeline();

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(10))
                .expectNext(CheckpointEvent.completed(1))
                .then(source::complete)
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        assertThat(sink.commits()).isEqualTo(1);
    }

    @Test
    void cancellingStopsAbruptlyAndTheNextRunReplaysExactlyTheUncommittedPart() {
        Pipeline pipeline = pipeline();

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a", "b"))
                .thenAwait(Duration.ofSeconds(10))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> source.emit("c", "d"))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        // no final checkpoint: c and d were read but not committed
        assertThat(sink.committed()).containsExactly("a", "b");
        assertThat(sink.commits()).isEqualTo(1);
        assertThat(pipeline.status().state()).isEqualTo(PipelineStatus.State.STOPPED);

        source.emit("e");
        withVirtualTime(pipeline::run)
                .thenAwait(Duration.ofSeconds(10))
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(2));
                    assertThat(event.records()).isEqualTo(3);
                })
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(sink.committed()).containsExactly("a", "b", "c", "d", "e");
    }

    @Test
    void aSecondConcurrentRunErrorsAndLeavesTheFirstRunning() {
        Pipeline pipeline = pipeline();
        Disposable[] second = new Disposable[1];
        Throwable[] secondFailure = new Throwable[1];

        withVirtualTime(pipeline::run)
                .then(() -> second[0] = pipeline.run().subscribe(event -> {}, failure -> secondFailure[0] = failure))
                .then(() -> assertThat(secondFailure[0])
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("'stop' is already running"))
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(10))
                .expectNext(CheckpointEvent.completed(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        second[0].dispose();
        assertThat(source.opens()).isEqualTo(1);

        // once the first run ended, a new one may start
        withVirtualTime(pipeline::run)
                .then(() -> source.emit("b"))
                .thenAwait(Duration.ofSeconds(10))
                .expectNext(CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }
}
