package io.onceflow.core;

import static io.onceflow.core.VirtualTime.withVirtualTime;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import org.junit.jupiter.api.Test;

// maxConcurrentCheckpoints: how many markers may be out between creation and commit, while records keep flowing.
class MaxConcurrentCheckpointsTest {

    private final TestSource<String> source = TestSource.create();
    private final InMemoryCommitPoint<String> sink = InMemoryCommitPoint.create();
    private final SlowCommitPoint<String> slow = SlowCommitPoint.wrap(sink);

    private Pipeline pipeline(int maxConcurrent) {
        return Onceflow.pipeline("concurrent")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(Duration.ofSeconds(1))
                .maxConcurrentCheckpoints(maxConcurrent)
                .from(source)
                .to(slow);
    }

    @Test
    void noSecondMarkerIsCreatedWhileOneIsInFlight() {
        slow.hold();

        withVirtualTime(() -> pipeline(1).run())
                .expectSubscription()
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> source.emit("b"))
                .thenAwait(Duration.ofSeconds(5))
                .then(() -> assertThat(slow.sealed()).containsExactly(1L))
                .then(slow::release)
                // the trigger that waited is served as soon as there is room
                .expectNext(CheckpointEvent.completed(1), CheckpointEvent.completed(2))
                .then(() -> assertThat(slow.sealed()).containsExactly(1L, 2L))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(slow.maxInFlight()).isEqualTo(1);
        assertThat(sink.committed()).containsExactly("a", "b");
    }

    @Test
    void oneInFlightAtATimeOverManySlowCommits() {
        slow.delay(Duration.ofMillis(3500));

        withVirtualTime(() -> pipeline(1).run())
                .expectSubscription()
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> source.emit("b"))
                .thenAwait(Duration.ofSeconds(4))
                .then(() -> source.emit("c"))
                .thenAwait(Duration.ofSeconds(4))
                .then(() -> source.emit("d"))
                .thenAwait(Duration.ofSeconds(10))
                .expectNextCount(4)
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(slow.maxInFlight()).isEqualTo(1);
        assertThat(sink.committed()).containsExactly("a", "b", "c", "d");
    }

    @Test
    void twoCheckpointsCanBeInFlightWithAMaximumOfTwo() {
        slow.hold();

        withVirtualTime(() -> pipeline(2).run())
                .expectSubscription()
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> source.emit("b"))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> source.emit("c"))
                .thenAwait(Duration.ofSeconds(5))
                .then(() -> assertThat(slow.sealed()).containsExactly(1L, 2L))
                .then(() -> assertThat(sink.committed()).isEmpty())
                .then(slow::release)
                .expectNext(CheckpointEvent.completed(1), CheckpointEvent.completed(2), CheckpointEvent.completed(3))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(slow.maxInFlight()).isEqualTo(2);
        assertThat(sink.committed()).containsExactly("a", "b", "c");
    }

    @Test
    void recordsKeepFlowingIntoTheNextCheckpointWhileOneCommits() {
        slow.holdNext();

        withVirtualTime(() -> pipeline(1).run())
                .expectSubscription()
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> source.emit("b", "c"))
                // b and c reached the commit point's buffer while checkpoint 1 is still committing
                .then(() -> assertThat(sink.pending()).containsExactly("a", "b", "c"))
                .then(() -> assertThat(sink.committed()).isEmpty())
                .then(slow::release)
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(1));
                    assertThat(event.records()).isEqualTo(1);
                })
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(2));
                    assertThat(event.records()).isEqualTo(2);
                })
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(sink.committed()).containsExactly("a", "b", "c");
    }

    @Test
    void whenACheckpointFailsTheOneInFlightBehindItIsNeverCommitted() {
        slow.hold();
        Pipeline pipeline = Onceflow.pipeline("concurrent")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(Duration.ofSeconds(1))
                .maxConcurrentCheckpoints(2)
                .restartPolicy(RestartPolicy.defaults()
                        .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1))
                        .withJitter(0))
                .from(source)
                .to(slow);

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> source.emit("b"))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> assertThat(slow.sealed()).containsExactly(1L, 2L))
                .then(sink::failNextCommit)
                .then(slow::release)
                .assertNext(event -> {
                    assertThat(event.failed()).isTrue();
                    assertThat(event.checkpointId()).isEqualTo(1);
                })
                .then(() -> assertThat(sink.commits()).isZero())
                // the restart replays both from the start, under the ids they failed to take
                .thenAwait(Duration.ofSeconds(2))
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(1));
                    assertThat(event.records()).isEqualTo(2);
                })
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(slow.committed()).containsExactly(1L);
        assertThat(sink.committed()).containsExactly("a", "b");
    }

    @Test
    void commitsCompleteInCheckpointOrderEvenWhenALaterOneIsFaster() {
        // checkpoint 1 takes 3 s to commit, 2 and 3 take 100 ms: committed concurrently, they would overtake it
        slow.delay(id -> id == 1 ? Duration.ofSeconds(3) : Duration.ofMillis(100));

        withVirtualTime(() -> pipeline(3).run())
                .expectSubscription()
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> source.emit("b"))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> source.emit("c"))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> assertThat(slow.sealed()).containsExactly(1L, 2L, 3L))
                .thenAwait(Duration.ofSeconds(2))
                .expectNext(CheckpointEvent.completed(1), CheckpointEvent.completed(2), CheckpointEvent.completed(3))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(slow.committed()).containsExactly(1L, 2L, 3L);
        assertThat(sink.committed()).containsExactly("a", "b", "c");
    }
}
