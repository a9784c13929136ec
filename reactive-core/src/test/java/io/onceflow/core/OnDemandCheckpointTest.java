package io.onceflow.core;

import static io.onceflow.core.VirtualTime.withVirtualTime;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

// Pipeline.checkpointNow(): a checkpoint on demand, even with nothing new, answered with its outcome.
class OnDemandCheckpointTest {

    private final TestSource<String> source = TestSource.create();
    private final InMemoryCommitPoint<String> sink = InMemoryCommitPoint.create();

    private PipelineBuilder builder() {
        return Onceflow.pipeline("on-demand")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(Duration.ofHours(1))
                .restartPolicy(RestartPolicy.never());
    }

    @Test
    void checkpointNowTakesACheckpointEvenWithNothingNew() {
        Pipeline pipeline = builder().from(source).to(sink);
        List<CheckpointEvent> outcomes = new CopyOnWriteArrayList<>();

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> pipeline.checkpointNow().subscribe(outcomes::add))
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(1));
                    assertThat(event.records()).isZero();
                })
                .then(() -> assertThat(outcomes).containsExactly(CheckpointEvent.completed(1)))
                .then(() -> source.emit("a"))
                .then(() -> pipeline.checkpointNow().subscribe(outcomes::add))
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(2));
                    assertThat(event.records()).isEqualTo(1);
                })
                .then(() -> pipeline.checkpointNow().subscribe(outcomes::add))
                .expectNext(CheckpointEvent.completed(3))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(outcomes)
                .containsExactly(
                        CheckpointEvent.completed(1), CheckpointEvent.completed(2), CheckpointEvent.completed(3));
        assertThat(sink.committed()).containsExactly("a");
        assertThat(sink.commits()).isEqualTo(3);
    }

    @Test
    void aPipelineWithoutTriggersCheckpointsOnDemandOnly() {
        // documented as "none by time": zero and no other bound is a pipeline whose checkpoints the test places
        Pipeline pipeline =
                builder().checkpointEvery(Duration.ZERO).from(source).to(sink);

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> source.emit("a", "b"))
                .expectNoEvent(Duration.ofDays(1))
                .then(() -> assertThat(sink.committed()).isEmpty())
                .then(() -> pipeline.checkpointNow().subscribe())
                .assertNext(event -> assertThat(event.records()).isEqualTo(2))
                .then(() -> assertThat(sink.committed()).containsExactly("a", "b"))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void theTestSourcePlacesAMarkerWhereTheTestWantsIt() {
        Pipeline pipeline = builder().from(source).to(sink);
        List<CheckpointEvent> outcomes = new CopyOnWriteArrayList<>();

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> source.emit("a", "b"))
                .then(() -> source.checkpoint().subscribe(outcomes::add))
                .assertNext(event -> assertThat(event.records()).isEqualTo(2))
                .then(() -> source.emit("c"))
                .then(() -> source.checkpoint().subscribe(outcomes::add))
                .assertNext(event -> assertThat(event.records()).isEqualTo(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(outcomes).containsExactly(CheckpointEvent.completed(1), CheckpointEvent.completed(2));
        assertThat(sink.committed()).containsExactly("a", "b", "c");
        assertThat(sink.committedPositions().asMap().values()).containsExactly(3L);
    }

    @Test
    void checkpointNowCompletesWithAFailedOutcome() {
        Pipeline pipeline = builder().from(source).to(sink);
        AtomicReference<CheckpointEvent> outcome = new AtomicReference<>();

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> source.emit("a"))
                .then(sink::failNextCommit)
                .then(() -> pipeline.checkpointNow().subscribe(outcome::set))
                .assertNext(event -> assertThat(event.failed()).isTrue())
                .expectError(CheckpointFailedException.class)
                .verify(Duration.ofSeconds(10));
        assertThat(outcome.get()).isNotNull();
        assertThat(outcome.get().failed()).isTrue();
        assertThat(outcome.get().checkpointId()).isEqualTo(1);
    }

    @Test
    void checkpointNowDoesNotWaitForRoomBesideACheckpointInFlight() {
        SlowCommitPoint<String> slow = SlowCommitPoint.wrap(sink).holdNext();
        Pipeline pipeline =
                builder().checkpointEvery(Duration.ofSeconds(1)).from(source).to(slow);

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> assertThat(slow.sealed()).containsExactly(1L))
                .then(() -> pipeline.checkpointNow().subscribe())
                .then(() -> assertThat(slow.sealed()).containsExactly(1L, 2L))
                .then(slow::release)
                .expectNext(CheckpointEvent.completed(1), CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void checkpointNowReachesARunRestartedWithoutBackoff() {
        Pipeline pipeline = builder()
                .restartPolicy(RestartPolicy.defaults().withBackoff(Duration.ZERO, Duration.ZERO))
                .from(source)
                .to(sink);

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a"))
                .then(sink::failNextCommit)
                .then(() -> pipeline.checkpointNow().subscribe())
                .assertNext(event -> assertThat(event.failed()).isTrue())
                .then(() -> assertThat(source.opens()).isEqualTo(2))
                .then(() -> pipeline.checkpointNow().subscribe())
                .expectNext(CheckpointEvent.completed(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(sink.committed()).containsExactly("a");
    }

    @Test
    void checkpointNowErrorsWhenThePipelineIsNotRunning() {
        Pipeline pipeline = builder().from(source).to(sink);

        StepVerifier.create(pipeline.checkpointNow())
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("'on-demand' is not running"))
                .verify(Duration.ofSeconds(5));

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a"))
                .then(() -> pipeline.checkpointNow().subscribe())
                .expectNext(CheckpointEvent.completed(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));

        StepVerifier.create(pipeline.checkpointNow())
                .expectError(IllegalStateException.class)
                .verify(Duration.ofSeconds(5));
    }
}
