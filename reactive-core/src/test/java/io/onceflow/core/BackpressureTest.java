package io.onceflow.core;

import static io.onceflow.core.VirtualTime.withVirtualTime;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

// Bounded buffers: a full sink buffer asks for an early checkpoint, then stops demand until a commit frees it.
class BackpressureTest {

    private static final int BOUND = 50;
    /** What may pass the bound in flight: the prefetch of the source stage's merge and the sink's concatMap. */
    private static final int PREFETCH = 2 * 32;

    private final TestSource<String> records = TestSource.create();
    private final InstrumentedSource<String> source = InstrumentedSource.of(records);
    private final InMemoryCommitPoint<String> sink =
            InMemoryCommitPoint.<String>create().maxBufferedRecords(BOUND);
    private final SlowCommitPoint<String> slow = SlowCommitPoint.wrap(sink);

    private Pipeline pipeline() {
        return Onceflow.pipeline("backpressure")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(Duration.ofHours(1))
                .checkpointTimeout(Duration.ofMinutes(10))
                .from(source)
                .to(slow);
    }

    private void emit(int count) {
        for (int i = 0; i < count; i++) {
            records.emit("r" + i);
        }
    }

    @Test
    void aFullBufferAsksForAnEarlyCheckpointThenStopsDemandWhileItCommits() {
        slow.delay(Duration.ofSeconds(10));
        Pipeline pipeline = pipeline();

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> emit(1_000))
                // no interval has passed: the full buffer asked for checkpoint 1
                .then(() -> assertThat(slow.sealed()).containsExactly(1L))
                .then(() -> assertThat(source.requested()).isLessThanOrEqualTo(BOUND + PREFETCH))
                .expectNoEvent(Duration.ofSeconds(9))
                // while checkpoint 1 commits, demand has stopped: nothing more was asked of the source
                .then(() -> assertThat(source.requested()).isLessThanOrEqualTo(BOUND + PREFETCH))
                .then(() -> assertThat(source.delivered()).isEqualTo(source.requested()))
                .then(() -> assertThat(sink.pending()).hasSizeLessThanOrEqualTo(BOUND + PREFETCH))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(1));
                    assertThat(event.records()).isEqualTo(BOUND);
                })
                .then(() -> assertThat(slow.sealed()).containsExactly(1L, 2L))
                // each later checkpoint is asked for by the full buffer too, and holds the bound and what was in
                // flight when the buffer reached it (the sink stage's prefetch); the rest, under the bound, goes with
                // the interval's checkpoint
                .thenAwait(Duration.ofHours(1).plusMinutes(1))
                .thenConsumeWhile(event -> {
                    assertThat(event.records()).isBetween(1L, (long) BOUND + PREFETCH);
                    return sink.committed().size() < 1_000;
                })
                .expectNextMatches(event -> sink.committed().size() == 1_000)
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(slow.maxBuffered()).isLessThanOrEqualTo(BOUND + PREFETCH);
        List<String> committed = sink.committed();
        assertThat(committed).hasSize(1_000);
        assertThat(new HashSet<>(committed)).hasSize(1_000);
    }

    /**
     * Records that all fail, as a flood of hostile bytes would: their dead letters fill the commit point's memory as
     * records would, so they ask for an early checkpoint at the bound and then stop demand while it commits. Before,
     * dead letters were not counted: a slow commit let them pile up without end.
     */
    @Test
    void deadLettersAreBoundedLikeRecords() {
        InMemoryCommitPoint<String> deadLetters =
                InMemoryCommitPoint.<String>create().withDeadLetters().maxBufferedRecords(BOUND);
        SlowCommitPoint<String> slowDeadLetters =
                SlowCommitPoint.wrap(deadLetters).delay(Duration.ofSeconds(10));
        Pipeline pipeline = Onceflow.pipeline("backpressure")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(Duration.ofHours(1))
                .checkpointTimeout(Duration.ofMinutes(10))
                .from(source)
                .<String>map(value -> {
                    throw new IllegalArgumentException("hostile: " + value);
                })
                .to(slowDeadLetters);

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> emit(1_000))
                // no interval has passed: the dead letters reached the bound and asked for checkpoint 1
                .then(() -> assertThat(slowDeadLetters.sealed()).containsExactly(1L))
                .expectNoEvent(Duration.ofSeconds(9))
                // while checkpoint 1 commits, demand has stopped
                .then(() -> assertThat(source.requested()).isLessThanOrEqualTo(2 * (BOUND + PREFETCH)))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(1));
                    assertThat(deadLetters.deadLetters()).hasSizeBetween(BOUND, BOUND + PREFETCH);
                })
                .thenAwait(Duration.ofHours(2))
                .thenConsumeWhile(event -> deadLetters.deadLetters().size() < 1_000)
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(deadLetters.deadLetters()).hasSize(1_000);
    }

    @Test
    void theBufferStaysBoundedBehindAKeyedOperatorWithASlowCommit() {
        slow.delay(Duration.ofSeconds(3));
        Pipeline pipeline = Onceflow.pipeline("backpressure")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(Duration.ofSeconds(1))
                .checkpointTimeout(Duration.ofMinutes(10))
                .from(source)
                .keyed(value -> value.substring(0, 2), key -> "", (last, value) -> value)
                .to(slow);

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> emit(2_000))
                .then(records::complete)
                .thenAwait(Duration.ofMinutes(10))
                .thenConsumeWhile(CheckpointEvent::completed)
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        assertThat(slow.maxBuffered()).isLessThanOrEqualTo(BOUND + PREFETCH);
        assertThat(sink.committed()).hasSize(2_000);
        assertThat(sink.committedPositions().asMap()).containsValue(2_000L);
    }

    @Test
    void withRoomInTheBufferRecordsDoNotWaitForTheCommitInFlight() {
        slow.hold();
        Pipeline pipeline = Onceflow.pipeline("backpressure")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(Duration.ofSeconds(1))
                .from(source)
                .to(slow);

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> emit(10))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> emit(30))
                .then(() -> assertThat(slow.sealed()).containsExactly(1L))
                .then(() -> assertThat(source.delivered()).isEqualTo(40))
                .then(() -> assertThat(sink.pending()).hasSize(40))
                .then(slow::release)
                .expectNext(CheckpointEvent.completed(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }
}
