package io.onceflow.core;

import static io.onceflow.core.VirtualTime.withVirtualTime;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.ProtocolStep;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

// Checkpoint ids: strictly increasing, and continuing from the last completed one across restarts and new runs.
class CheckpointIdsTest {

    private final TestSource<String> source = TestSource.create();
    private final InMemoryCommitPoint<String> sink = InMemoryCommitPoint.create();

    private Pipeline pipeline() {
        return Onceflow.pipeline("ids")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(Duration.ofSeconds(1))
                .restartPolicy(RestartPolicy.defaults()
                        .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1))
                        .withJitter(0))
                .from(source)
                .to(sink);
    }

    @Test
    void idsStartAtOneAndIncreaseByOnePerCompletedCheckpoint() {
        List<Long> ids = new CopyOnWriteArrayList<>();
        Pipeline pipeline = pipeline();

        withVirtualTime(() -> pipeline.run().doOnNext(event -> ids.add(event.checkpointId())))
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> source.emit("b"))
                .thenAwait(Duration.ofSeconds(3))
                .then(() -> source.emit("c"))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> source.emit("d"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNextCount(4)
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(ids).containsExactly(1L, 2L, 3L, 4L);
        assertThat(sink.lastCheckpoint()).isEqualTo(4);
    }

    @Test
    void afterACheckpointThatFailedBeforeCommittingTheRestartReusesItsId() {
        Pipeline pipeline = pipeline();

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(sink::failNextCommit)
                .then(() -> source.emit("b"))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> {
                    assertThat(event.failed()).isTrue();
                    assertThat(event.checkpointId()).isEqualTo(2);
                })
                .thenAwait(Duration.ofSeconds(2))
                .expectNext(CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(sink.committed()).containsExactly("a", "b");
    }

    @Test
    void afterACheckpointCommittedButNotAcknowledgedTheRestartContinuesAfterIt() {
        Pipeline pipeline = pipeline();

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a"))
                .then(() -> sink.failNext(ProtocolStep.AFTER_COMMIT))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> {
                    assertThat(event.failed()).isTrue();
                    assertThat(event.checkpointId()).isEqualTo(1);
                })
                .then(() -> source.emit("b"))
                .thenAwait(Duration.ofSeconds(2))
                // checkpoint 1 is durable although it was reported failed: the next is 2, and "a" is not replayed
                .expectNext(CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(sink.committed()).containsExactly("a", "b");
        assertThat(sink.lastCheckpoint()).isEqualTo(2);
    }

    @Test
    void aSecondRunOfThePipelineContinuesTheIds() {
        Pipeline pipeline = pipeline();
        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> source.emit("b"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1), CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("c"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(3))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void aNewPipelineOverTheSameCommitPointContinuesTheIds() {
        withVirtualTime(() -> pipeline().run())
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> source.emit("b"))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> source.emit("c"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNextCount(3)
                .thenCancel()
                .verify(Duration.ofSeconds(10));

        withVirtualTime(() -> pipeline().run())
                .then(() -> source.emit("d"))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(4));
                    assertThat(event.records()).isEqualTo(1);
                })
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(sink.committed()).containsExactly("a", "b", "c", "d");
    }

    @Test
    void markersCarryTheIdsTheEventsReport() {
        SlowCommitPoint<String> slow = SlowCommitPoint.wrap(sink);
        Pipeline pipeline = Onceflow.pipeline("ids")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(Duration.ofSeconds(1))
                .from(source)
                .to(slow);
        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> source.emit("b"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1), CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(slow.sealed()).containsExactly(1L, 2L);
    }
}
