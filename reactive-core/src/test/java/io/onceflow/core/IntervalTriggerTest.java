package io.onceflow.core;

import static io.onceflow.core.VirtualTime.withVirtualTime;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import org.junit.jupiter.api.Test;

// The interval trigger: a checkpoint per interval of virtual time when something is new, none when nothing is.
class IntervalTriggerTest {

    private final TestSource<String> source = TestSource.create();
    private final InMemoryCommitPoint<String> sink = InMemoryCommitPoint.create();

    private PipelineBuilder pipeline() {
        return Onceflow.pipeline("interval").meterRegistry(new SimpleMeterRegistry());
    }

    @Test
    void takesACheckpointAtEachIntervalOfVirtualTime() {
        Pipeline pipeline =
                pipeline().checkpointEvery(Duration.ofSeconds(2)).from(source).to(sink);

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> source.emit("a", "b"))
                .expectNoEvent(Duration.ofMillis(1999))
                .then(() -> assertThat(sink.committed()).isEmpty())
                .thenAwait(Duration.ofMillis(1))
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(1));
                    assertThat(event.records()).isEqualTo(2);
                })
                .then(() -> assertThat(sink.committed()).containsExactly("a", "b"))
                .then(() -> source.emit("c"))
                .expectNoEvent(Duration.ofMillis(1999))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(2));
                    assertThat(event.records()).isEqualTo(1);
                })
                .then(() -> assertThat(sink.committed()).containsExactly("a", "b", "c"))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void anIntervalWithNothingNewTakesNoCheckpoint() {
        Pipeline pipeline =
                pipeline().checkpointEvery(Duration.ofSeconds(1)).from(source).to(sink);

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .expectNoEvent(Duration.ofSeconds(10))
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .expectNoEvent(Duration.ofSeconds(10))
                .then(() -> assertThat(sink.commits()).isEqualTo(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void anIdleIntervalAfterARestartTakesNoCheckpoint() {
        Pipeline pipeline = pipeline()
                .checkpointEvery(Duration.ofSeconds(1))
                .restartPolicy(RestartPolicy.defaults().withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .from(source)
                .to(sink);

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> source.fail(new IllegalStateException("connection reset")))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> assertThat(source.opens()).isEqualTo(2))
                // the restarted run resumes at the committed positions: nothing is new
                .expectNoEvent(Duration.ofSeconds(10))
                .then(() -> assertThat(sink.commits()).isEqualTo(1))
                .then(() -> source.emit("b"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(sink.committed()).containsExactly("a", "b");
    }

    @Test
    void anIdleIntervalInANewRunTakesNoCheckpoint() {
        Pipeline pipeline =
                pipeline().checkpointEvery(Duration.ofSeconds(1)).from(source).to(sink);
        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .expectNoEvent(Duration.ofSeconds(10))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(sink.commits()).isEqualTo(1);
    }

    @Test
    void aZeroIntervalLeavesTheRecordCountAsTheOnlyTrigger() {
        Pipeline pipeline = pipeline()
                .checkpointEvery(Duration.ZERO)
                .checkpointAfterRecords(3)
                .from(source)
                .to(sink);

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> source.emit("a", "b"))
                .expectNoEvent(Duration.ofDays(1))
                .then(() -> source.emit("c"))
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(1));
                    assertThat(event.records()).isEqualTo(3);
                })
                .then(() -> source.emit("d"))
                .expectNoEvent(Duration.ofDays(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(sink.committed()).containsExactly("a", "b", "c");
    }

    @Test
    void aZeroIntervalCanBeSetInEitherOrderWithAnotherTrigger() {
        PipelineOptions countFirst = Onceflow.pipeline("p")
                .checkpointAfterRecords(10)
                .checkpointEvery(Duration.ZERO)
                .options();
        PipelineOptions intervalFirst = Onceflow.pipeline("p")
                .checkpointEvery(Duration.ZERO)
                .checkpointAfterRecords(10)
                .options();

        assertThat(intervalFirst).isEqualTo(countFirst);
        assertThat(intervalFirst.checkpointInterval()).isZero();
    }
}
