package io.onceflow.core;

import static io.onceflow.core.VirtualTime.withVirtualTime;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A commit point that learns its last completed checkpoint after its open completed
 * ({@link CommitPointWriter#lastCompletedCheckpointWhenKnown}), as the Kafka sinks do so that the source's consumer
 * joins its group while they read it: the source opens meanwhile, but nothing is claimed and no checkpoint starts
 * (not the interval's, not one asked for) until the id is known, and then checkpoints continue after it.
 */
class LateCheckpointIdTest {

    private final TestSource<String> records = TestSource.create();
    private final InstrumentedSource<String> source = InstrumentedSource.of(records);
    private final InMemoryCommitPoint<String> committed = InMemoryCommitPoint.create();
    private final SlowCommitPoint<String> sink = SlowCommitPoint.wrap(committed);

    private Pipeline pipeline() {
        return Onceflow.pipeline("late-id")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(Duration.ofMillis(100))
                .restartPolicy(RestartPolicy.defaults()
                        .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1))
                        .withJitter(0))
                .from(source)
                .to(sink);
    }

    @Test
    void theSourceOpensMeanwhileButNothingIsClaimedOrCheckpointedUntilTheIdIsKnown() {
        Pipeline pipeline = pipeline();
        sink.holdCheckpointIds();
        List<CheckpointEvent> events = new CopyOnWriteArrayList<>();
        List<CheckpointEvent> asked = new CopyOnWriteArrayList<>();
        withVirtualTime(() -> pipeline.run().doOnNext(events::add))
                .then(() -> records.emit("a"))
                .then(() -> pipeline.checkpointNow().subscribe(asked::add))
                .thenAwait(Duration.ofSeconds(2))
                .then(() -> {
                    assertThat(source.opensAtMillis()).as("the source opened").hasSize(1);
                    assertThat(sink.claims())
                            .as("claims before the id is known")
                            .isZero();
                    assertThat(records.opens())
                            .as("runs that got their partitions")
                            .isZero();
                    assertThat(sink.sealed())
                            .as("checkpoints started before the id is known")
                            .isEmpty();
                    assertThat(events).isEmpty();
                    assertThat(asked).isEmpty();
                })
                .then(sink::tellCheckpointIds)
                .thenAwait(Duration.ofSeconds(1))
                // the one asked for, then the interval's with "a": the claim went ahead once the id was known
                .expectNext(CheckpointEvent.completed(1), CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(asked).containsExactly(CheckpointEvent.completed(1));
        assertThat(committed.committed()).containsExactly("a");
        assertThat(sink.claims()).isEqualTo(1);
    }

    @Test
    void checkpointsContinueAfterTheIdTheCommitPointToldLate() {
        Pipeline pipeline = pipeline();
        withVirtualTime(pipeline::run)
                .then(() -> records.emit("a"))
                .thenAwait(Duration.ofMillis(100))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> records.emit("b"))
                .thenAwait(Duration.ofMillis(100))
                .expectNext(CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));

        sink.holdCheckpointIds();
        List<CheckpointEvent> events = new CopyOnWriteArrayList<>();
        withVirtualTime(() -> pipeline.run().doOnNext(events::add))
                .then(() -> records.emit("c"))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> assertThat(events).isEmpty())
                .then(sink::tellCheckpointIds)
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(3))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(committed.committed()).containsExactly("a", "b", "c");
    }

    @Test
    void aCommitPointThatCannotTellItsLastCheckpointFailsTheRunAndTheRestartClaimsAfresh() {
        Pipeline pipeline = pipeline();
        sink.holdCheckpointIds();
        withVirtualTime(pipeline::run)
                .then(() -> records.emit("a"))
                .thenAwait(Duration.ofMillis(500))
                .then(() -> sink.failCheckpointIds(new TransientFailureException("offsets unreadable", null)))
                .thenAwait(Duration.ofMillis(500))
                .then(() -> {
                    assertThat(pipeline.status().state()).isEqualTo(PipelineStatus.State.RESTARTING);
                    assertThat(pipeline.status().error())
                            .hasValueSatisfying(error -> assertThat(error).hasMessage("offsets unreadable"));
                    assertThat(sink.claims()).isZero();
                    assertThat(sink.sealed()).isEmpty();
                })
                .thenAwait(Duration.ofSeconds(2))
                .expectNext(CheckpointEvent.completed(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(pipeline.status().restarts()).isEqualTo(1);
        assertThat(source.opensAtMillis()).hasSize(2);
        assertThat(committed.committed()).containsExactly("a");
    }
}
