package io.onceflow.core;

import static io.onceflow.core.OnceflowMeters.TAG_OUTCOME;
import static io.onceflow.core.OnceflowMeters.TAG_PIPELINE;
import static io.onceflow.core.OnceflowMeters.TAG_SINK;
import static io.onceflow.core.OnceflowMeters.TAG_SOURCE;
import static io.onceflow.core.VirtualTime.withVirtualTime;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.InMemoryIdempotentSink;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

// Observability: the documented meters with their tags and counts, the hot event feed, and the status transitions.
class MetricsTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final TestSource<String> source = TestSource.create("payments", 1);
    private final InMemoryCommitPoint<String> ledger = InMemoryCommitPoint.create("ledger");
    private final InMemoryIdempotentSink<String, String> table = InMemoryIdempotentSink.create("table", v -> v);

    private PipelineBuilder builder() {
        return Onceflow.pipeline("metrics")
                .meterRegistry(meters)
                .checkpointEvery(Duration.ofSeconds(1))
                .restartPolicy(RestartPolicy.defaults()
                        .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1))
                        .withJitter(0));
    }

    private double counter(String name, String... tags) {
        return meters.get(name)
                .tags(TAG_PIPELINE, "metrics")
                .tags(tags)
                .counter()
                .count();
    }

    private long checkpoints(String outcome) {
        return meters.get(OnceflowMeters.CHECKPOINT_DURATION)
                .tags(TAG_PIPELINE, "metrics", TAG_OUTCOME, outcome)
                .timer()
                .count();
    }

    private double gauge(String name, String... tags) {
        return meters.get(name).tags(TAG_PIPELINE, "metrics").tags(tags).gauge().value();
    }

    @Test
    void theDocumentedMetersExistWithTheirTags() {
        Pipeline pipeline = builder().from(source).to(ledger, table);

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));

        Set<String> names = meters.getMeters().stream()
                .map(meter -> meter.getId().getName())
                .collect(Collectors.toSet());
        assertThat(names)
                .contains(
                        OnceflowMeters.CHECKPOINT_DURATION,
                        OnceflowMeters.CHECKPOINT_ALIGNMENT,
                        OnceflowMeters.COMMIT_DURATION,
                        OnceflowMeters.RECORDS_IN,
                        OnceflowMeters.RECORDS_OUT,
                        OnceflowMeters.RECORDS_DEAD_LETTERED,
                        OnceflowMeters.SINK_BUFFERED,
                        OnceflowMeters.RESTARTS,
                        OnceflowMeters.LAST_CHECKPOINT_AGE);
        for (Meter meter : meters.getMeters()) {
            assertThat(meter.getId().getName()).startsWith("onceflow.");
            Set<String> keys = new HashSet<>();
            meter.getId().getTags().stream().map(Tag::getKey).forEach(keys::add);
            assertThat(keys).as(meter.getId().toString()).contains(TAG_PIPELINE);
            assertThat(Set.of(TAG_PIPELINE, TAG_SOURCE, TAG_SINK, TAG_OUTCOME, OnceflowMeters.TAG_PARTITION))
                    .as(meter.getId().toString())
                    .containsAll(keys);
        }
        assertThat(meters.get(OnceflowMeters.RECORDS_IN)
                        .tags(TAG_SOURCE, "payments")
                        .counter())
                .isNotNull();
        assertThat(meters.get(OnceflowMeters.RECORDS_OUT)
                        .tags(TAG_SINK, "ledger")
                        .counter())
                .isNotNull();
        assertThat(meters.get(OnceflowMeters.COMMIT_DURATION)
                        .tags(TAG_SINK, "table", TAG_OUTCOME, "completed")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(meters.get(OnceflowMeters.SINK_BUFFERED)
                        .tags(TAG_SINK, "table")
                        .gauge())
                .isNotNull();
    }

    @Test
    void checkpointDurationsAreCountedByOutcome() {
        SlowCommitPoint<String> slow = SlowCommitPoint.wrap(ledger).delay(Duration.ofMillis(300));
        Pipeline pipeline = builder().from(source).to(slow);

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofMillis(1300))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> source.emit("b"))
                .then(ledger::failNextCommit)
                .thenAwait(Duration.ofMillis(1000))
                .assertNext(event -> assertThat(event.failed()).isTrue())
                .thenAwait(Duration.ofSeconds(3))
                .expectNext(CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(checkpoints("completed")).isEqualTo(2);
        assertThat(checkpoints("failed")).isEqualTo(1);
        assertThat(meters.get(OnceflowMeters.CHECKPOINT_DURATION)
                        .tags(TAG_PIPELINE, "metrics", TAG_OUTCOME, "completed")
                        .timer()
                        .totalTime(TimeUnit.MILLISECONDS))
                .isEqualTo(600.0);
        assertThat(meters.get(OnceflowMeters.COMMIT_DURATION)
                        .tags(TAG_SINK, "ledger", TAG_OUTCOME, "failed")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(meters.get(OnceflowMeters.CHECKPOINT_ALIGNMENT).timer().count())
                .isEqualTo(3);
    }

    @Test
    void aTimedOutCheckpointCountsAsFailed() {
        SlowCommitPoint<String> slow = SlowCommitPoint.wrap(ledger).holdNext();
        Pipeline pipeline =
                builder().checkpointTimeout(Duration.ofSeconds(5)).from(source).to(slow);

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(6))
                .assertNext(event -> assertThat(event.failed()).isTrue())
                .thenAwait(Duration.ofSeconds(2))
                .expectNext(CheckpointEvent.completed(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(checkpoints("failed")).isEqualTo(1);
        assertThat(checkpoints("completed")).isEqualTo(1);
        assertThat(counter(OnceflowMeters.RESTARTS)).isEqualTo(1);
    }

    @Test
    void recordsInOutAndDeadLetteredAreCounted() {
        InMemoryCommitPoint<Integer> numbers =
                InMemoryCommitPoint.<Integer>create("ledger").withDeadLetters();
        InMemoryIdempotentSink<Integer, Integer> copy = InMemoryIdempotentSink.create("table", n -> n);
        Pipeline pipeline = builder().from(source).map(Integer::parseInt).to(numbers, copy);

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("1", "2", "x", "3"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> source.emit("4"))
                .then(numbers::failNextCommit)
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> assertThat(event.failed()).isTrue())
                .thenAwait(Duration.ofSeconds(2))
                .expectNext(CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        // read: 4 + 1, and the 1 again by the restarted run
        assertThat(counter(OnceflowMeters.RECORDS_IN, TAG_SOURCE, "payments")).isEqualTo(6);
        // out: records in completed checkpoints, per sink
        assertThat(counter(OnceflowMeters.RECORDS_OUT, TAG_SINK, "ledger")).isEqualTo(4);
        assertThat(counter(OnceflowMeters.RECORDS_OUT, TAG_SINK, "table")).isEqualTo(4);
        assertThat(counter(OnceflowMeters.RECORDS_DEAD_LETTERED)).isEqualTo(1);
        assertThat(counter(OnceflowMeters.RESTARTS)).isEqualTo(1);
    }

    @Test
    void theBufferedGaugeShowsWhatIsNotYetDurable() {
        Pipeline pipeline = builder().from(source).to(ledger, table);

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a", "b", "c"))
                .then(() -> assertThat(gauge(OnceflowMeters.SINK_BUFFERED, TAG_SINK, "ledger"))
                        .isEqualTo(3))
                .then(() -> assertThat(gauge(OnceflowMeters.SINK_BUFFERED, TAG_SINK, "table"))
                        .isEqualTo(3))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> assertThat(gauge(OnceflowMeters.SINK_BUFFERED, TAG_SINK, "ledger"))
                        .isZero())
                .then(() -> assertThat(gauge(OnceflowMeters.SINK_BUFFERED, TAG_SINK, "table"))
                        .isZero())
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void theBufferedGaugeReadsZeroOnceTheRunHasEnded() {
        Pipeline pipeline = builder().from(source).to(ledger, table);

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a", "b"))
                .then(() -> assertThat(gauge(OnceflowMeters.SINK_BUFFERED, TAG_SINK, "ledger"))
                        .isEqualTo(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        // the run's buffers were dropped with it: nothing is waiting to become durable
        assertThat(gauge(OnceflowMeters.SINK_BUFFERED, TAG_SINK, "ledger")).isZero();
        assertThat(gauge(OnceflowMeters.SINK_BUFFERED, TAG_SINK, "table")).isZero();
    }

    @Test
    void theLastCheckpointAgeGaugeFollowsThePipelinesClock() {
        Pipeline pipeline = builder().from(source).to(ledger);

        withVirtualTime(pipeline::run)
                .then(() ->
                        assertThat(gauge(OnceflowMeters.LAST_CHECKPOINT_AGE)).isNaN())
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(() ->
                        assertThat(gauge(OnceflowMeters.LAST_CHECKPOINT_AGE)).isZero())
                .thenAwait(Duration.ofSeconds(7))
                .then(() ->
                        assertThat(gauge(OnceflowMeters.LAST_CHECKPOINT_AGE)).isEqualTo(7.0))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void theLastCheckpointAgeGaugeSurvivesGarbageCollection() throws InterruptedException {
        Pipeline pipeline = builder().from(source).to(ledger);

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> {
                    for (int i = 0; i < 5; i++) {
                        System.gc();
                    }
                })
                .thenAwait(Duration.ofSeconds(2))
                .then(() ->
                        assertThat(gauge(OnceflowMeters.LAST_CHECKPOINT_AGE)).isEqualTo(2.0))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(pipeline.status().lastCompletedCheckpoint()).isEqualTo(1);
    }

    @Test
    void eventsIsHotAndSeesTheEventsOfEveryRun() {
        Pipeline pipeline = builder().from(source).to(ledger);
        List<CheckpointEvent> seen = new CopyOnWriteArrayList<>();
        Disposable watching = pipeline.events().subscribe(seen::add);
        assertThat(pipeline.status().state()).isEqualTo(PipelineStatus.State.IDLE);
        assertThat(source.opens()).as("subscribing to events starts nothing").isZero();

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        List<CheckpointEvent> late = new CopyOnWriteArrayList<>();
        Disposable watchingLate = pipeline.events().subscribe(late::add);
        withVirtualTime(pipeline::run)
                .then(() -> source.emit("b"))
                .then(ledger::failNextCommit)
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> assertThat(event.failed()).isTrue())
                .thenAwait(Duration.ofSeconds(2))
                .expectNext(CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        watching.dispose();
        watchingLate.dispose();

        assertThat(seen).hasSize(3);
        assertThat(seen.get(0)).isEqualTo(CheckpointEvent.completed(1));
        assertThat(seen.get(1).failed()).isTrue();
        assertThat(seen.get(2)).isEqualTo(CheckpointEvent.completed(2));
        // hot: a late subscriber sees only what happens after it subscribed
        assertThat(late).hasSize(2);
        assertThat(late.get(1)).isEqualTo(CheckpointEvent.completed(2));
    }

    @Test
    void statusMovesFromIdleThroughRestartingToStopped() {
        Pipeline pipeline = builder().from(source).to(ledger);
        assertThat(pipeline.status().state()).isEqualTo(PipelineStatus.State.IDLE);
        assertThat(pipeline.status().lastCompletedCheckpoint()).isZero();
        assertThat(pipeline.status().lastCompletedAtMillis()).isEqualTo(-1);

        withVirtualTime(pipeline::run)
                .then(() -> assertThat(pipeline.status().state()).isEqualTo(PipelineStatus.State.RUNNING))
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(() ->
                        assertThat(pipeline.status().lastCompletedCheckpoint()).isEqualTo(1))
                .then(() ->
                        assertThat(pipeline.status().lastCompletedAtMillis()).isEqualTo(1_000))
                .then(() -> source.emit("b"))
                .then(ledger::failNextCommit)
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> assertThat(event.failed()).isTrue())
                .then(() -> {
                    PipelineStatus status = pipeline.status();
                    assertThat(status.state()).isEqualTo(PipelineStatus.State.RESTARTING);
                    assertThat(status.restarts()).isEqualTo(1);
                    assertThat(status.error()).containsInstanceOf(CheckpointFailedException.class);
                })
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> assertThat(pipeline.status().state()).isEqualTo(PipelineStatus.State.RUNNING))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(2))
                .then(() -> pipeline.stop().subscribe())
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        assertThat(pipeline.status().state()).isEqualTo(PipelineStatus.State.STOPPED);
        assertThat(pipeline.status().lastCompletedCheckpoint()).isEqualTo(2);
    }

    @Test
    void statusIsFailedWhenTheRunStopsOnAnError() {
        Pipeline pipeline =
                builder().restartPolicy(RestartPolicy.never()).from(source).to(ledger);

        withVirtualTime(pipeline::run)
                .then(() -> source.emit("a"))
                .then(ledger::failNextCommit)
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> assertThat(event.failed()).isTrue())
                .expectError(CheckpointFailedException.class)
                .verify(Duration.ofSeconds(10));
        assertThat(pipeline.status().state()).isEqualTo(PipelineStatus.State.FAILED);
        assertThat(pipeline.status().error()).containsInstanceOf(CheckpointFailedException.class);
        assertThat(pipeline.status().restarts()).isZero();
    }

    @Test
    void aPipelineMadeAgainUnderItsNameTakesItsGaugesOver() {
        // an earlier pipeline of this name (a test before, a refreshed context), never run: its age gauge reads NaN
        builder().from(source).to(ledger);
        Pipeline again = builder().from(source).to(ledger);

        withVirtualTime(again::run)
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(() ->
                        assertThat(gauge(OnceflowMeters.LAST_CHECKPOINT_AGE)).isZero())
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(meters.find(OnceflowMeters.LAST_CHECKPOINT_AGE).gauges()).hasSize(1);
        // registered with the source, before any revocation
        assertThat(counter(OnceflowMeters.RECORDS_DROPPED_REVOKED, OnceflowMeters.TAG_SOURCE, "payments"))
                .isZero();
    }
}
