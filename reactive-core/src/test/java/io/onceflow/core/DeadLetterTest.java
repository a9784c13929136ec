package io.onceflow.core;

import static io.onceflow.core.VirtualTime.withVirtualTime;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.ProtocolStep;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import org.junit.jupiter.api.Test;

// Poison records: dead-lettered exactly once with their checkpoint, or, without a destination, a stop naming them.
class DeadLetterTest {

    private final TestSource<String> source = TestSource.create();
    private final InMemoryCommitPoint<Integer> sink = InMemoryCommitPoint.create();

    private Pipeline pipeline(RestartPolicy policy) {
        return Onceflow.pipeline("dead-letters")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(Duration.ofSeconds(1))
                .restartPolicy(policy)
                .from(source)
                .map(Integer::parseInt)
                .to(sink);
    }

    private static RestartPolicy quickRestarts() {
        return RestartPolicy.defaults()
                .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1))
                .withJitter(0);
    }

    @Test
    void aDeadLetterIsCommittedInTheSameCheckpointAsItsNeighbours() {
        sink.withDeadLetters();
        Pipeline pipeline = pipeline(quickRestarts());

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("1", "two", "3"))
                .then(() -> assertThat(sink.deadLetters()).isEmpty())
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(1));
                    assertThat(event.records()).isEqualTo(2);
                })
                .then(() -> source.emit("4"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(sink.committed()).containsExactly(1, 3, 4);
        assertThat(sink.deadLetters()).singleElement().satisfies(dead -> {
            assertThat(dead.origin()).isEqualTo(new Origin("test", 0, 1, 1));
            assertThat(dead.stage()).isEqualTo("map");
            assertThat(dead.payload()).isEqualTo("two");
            assertThat(dead.error()).isInstanceOf(NumberFormatException.class);
            assertThat(dead.stackSummary()).contains("NumberFormatException");
        });
    }

    @Test
    void aDeadLetterIsNotVisibleBeforeItsCheckpointCommits() {
        sink.withDeadLetters();
        Pipeline pipeline = pipeline(quickRestarts());

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("1"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> source.emit("x"))
                .thenAwait(Duration.ofMillis(999))
                .then(() -> assertThat(sink.deadLetters()).isEmpty())
                .thenAwait(Duration.ofMillis(1))
                .expectNext(CheckpointEvent.completed(2))
                .then(() -> assertThat(sink.deadLetters()).hasSize(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void aDeadLetterIsCommittedExactlyOnceAcrossARestart() {
        sink.withDeadLetters();
        Pipeline pipeline = pipeline(quickRestarts());

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("1", "two", "3"))
                .then(sink::failNextCommit)
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> assertThat(event.failed()).isTrue())
                .then(() -> assertThat(sink.deadLetters()).isEmpty())
                .thenAwait(Duration.ofSeconds(2))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> source.emit("4", "five"))
                // this time the commit is applied, but its acknowledgement is lost
                .then(() -> sink.failNext(ProtocolStep.AFTER_COMMIT))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> assertThat(event.failed()).isTrue())
                .then(() -> source.emit("6"))
                .thenAwait(Duration.ofSeconds(2))
                .expectNext(CheckpointEvent.completed(3))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(source.opens()).isEqualTo(3);
        assertThat(sink.committed()).containsExactly(1, 3, 4, 6);
        assertThat(sink.deadLetters())
                .extracting(dead -> dead.origin().offset())
                .containsExactly(1L, 4L);
    }

    @Test
    void withoutADeadLetterDestinationTheRunStopsNamingTopicPartitionAndOffset() {
        Pipeline pipeline = pipeline(quickRestarts());

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("1"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> source.emit("2", "three", "4"))
                .expectErrorSatisfies(error -> {
                    assertThat(error)
                            .isInstanceOf(PoisonRecordException.class)
                            .hasMessageContaining("topic test, partition 0, offset 2")
                            .hasMessageContaining("failed in 'map'")
                            .hasMessageContaining("NumberFormatException")
                            .hasMessageContaining("configure a dead-letter destination")
                            .hasCauseInstanceOf(NumberFormatException.class);
                    assertThat(((PoisonRecordException) error).origin()).isEqualTo(new Origin("test", 0, 2, 2));
                    assertThat(((PoisonRecordException) error).isRetryable()).isFalse();
                })
                .verify(Duration.ofSeconds(10));
        // not retried, and nothing of the poisoned checkpoint is committed
        assertThat(source.opens()).isEqualTo(1);
        assertThat(sink.committed()).containsExactly(1);
        assertThat(sink.lastCheckpoint()).isEqualTo(1);
        assertThat(pipeline.status().state()).isEqualTo(PipelineStatus.State.FAILED);
    }

    @Test
    void aKeyedFunctionThatThrowsDeadLettersItsRecordAndLeavesTheStateAsItWas() {
        InMemoryCommitPoint<Integer> totals =
                InMemoryCommitPoint.<Integer>create().withDeadLetters();
        Pipeline pipeline = Onceflow.pipeline("dead-letters")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(Duration.ofSeconds(1))
                .from(source)
                .keyed(value -> "all", key -> 0, (total, value) -> total + Integer.parseInt(value))
                .to(totals);

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("1", "oops", "2"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(totals.committed()).containsExactly(1, 3);
        assertThat(totals.deadLetters())
                .singleElement()
                .satisfies(dead -> assertThat(dead.stage()).isEqualTo("keyed:keyed-0"));
    }
}
