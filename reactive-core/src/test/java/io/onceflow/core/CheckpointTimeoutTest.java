package io.onceflow.core;

import static io.onceflow.core.VirtualTime.withVirtualTime;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

// checkpointTimeout: a checkpoint that does not complete in time, on virtual time, fails the run and is retried.
class CheckpointTimeoutTest {

    private final TestSource<String> source = TestSource.create();
    private final InMemoryCommitPoint<String> sink = InMemoryCommitPoint.create();
    private final SlowCommitPoint<String> slow = SlowCommitPoint.wrap(sink);

    private PipelineBuilder builder(RestartPolicy policy) {
        return Onceflow.pipeline("timeout")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(Duration.ofSeconds(1))
                .checkpointTimeout(Duration.ofSeconds(5))
                .restartPolicy(policy);
    }

    @Test
    void aCommitThatNeverCompletesFailsTheRunAfterTheTimeout() {
        slow.hold();
        Pipeline pipeline = builder(RestartPolicy.never()).from(source).to(slow);

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> assertThat(slow.sealed()).containsExactly(1L))
                .expectNoEvent(Duration.ofMillis(4999))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.failed(1, new RuntimeException()));
                    assertThat(event.error()).containsInstanceOf(CheckpointTimeoutException.class);
                    assertThat(event.duration()).isEqualTo(Duration.ofSeconds(5));
                })
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(CheckpointTimeoutException.class)
                        .hasMessageContaining("checkpoint 1 did not complete within PT5S"))
                .verify(Duration.ofSeconds(10));
        assertThat(sink.committed()).isEmpty();
        assertThat(pipeline.status().state()).isEqualTo(PipelineStatus.State.FAILED);
    }

    @Test
    void theRestartPolicyResumesAfterATimeoutAndCommitsOnce() {
        slow.holdNext();
        Pipeline pipeline = builder(RestartPolicy.defaults()
                        .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1))
                        .withJitter(0))
                .from(source)
                .to(slow);

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> source.emit("a", "b"))
                .thenAwait(Duration.ofSeconds(6))
                .assertNext(event -> assertThat(event.error()).containsInstanceOf(CheckpointTimeoutException.class))
                .then(() -> assertThat(source.opens()).isEqualTo(1))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> assertThat(source.opens()).isEqualTo(2))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(sink.committed()).containsExactly("a", "b");
        assertThat(pipeline.status().restarts()).isEqualTo(1);
    }

    @Test
    void aCheckpointThatCompletesWithinTheTimeoutDoesNotFailLater() {
        slow.delay(Duration.ofMillis(4900));
        Pipeline pipeline = builder(RestartPolicy.never()).from(source).to(slow);

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .thenAwait(Duration.ofMillis(4900))
                .expectNext(CheckpointEvent.completed(1))
                .expectNoEvent(Duration.ofMinutes(5))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void theTimeoutCountsFromTheMarkerIncludingTheWaitForTheCheckpointBefore() {
        // checkpoint 1 commits in 4 s; checkpoint 2 (marker at 2 s, commit from 5 s) needs 4 s more: 7 s > 5 s
        slow.delay(Duration.ofSeconds(4));
        Pipeline pipeline = builder(RestartPolicy.never())
                .maxConcurrentCheckpoints(2)
                .from(source)
                .to(slow);

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> source.emit("a"))
                .thenAwait(Duration.ofSeconds(1))
                .then(() -> source.emit("b"))
                .thenAwait(Duration.ofSeconds(4))
                .expectNext(CheckpointEvent.completed(1))
                .thenAwait(Duration.ofSeconds(2))
                .assertNext(event -> {
                    assertThat(event.checkpointId()).isEqualTo(2);
                    assertThat(event.error()).containsInstanceOf(CheckpointTimeoutException.class);
                })
                .expectError(CheckpointTimeoutException.class)
                .verify(Duration.ofSeconds(10));
        assertThat(sink.committed()).containsExactly("a");
    }

    @Test
    void aFlatMapInnerThatNeverCompletesTimesOut() {
        Pipeline pipeline = builder(RestartPolicy.never())
                .from(source)
                .flatMap(value -> value.equals("stuck") ? Mono.<String>never() : Mono.just(value), 4)
                .to(sink);

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> source.emit("a", "stuck", "b"))
                .thenAwait(Duration.ofSeconds(1))
                // marker 1 waits behind the inner publisher of "stuck", so checkpoint 1 cannot complete
                .expectNoEvent(Duration.ofMillis(4999))
                .then(() -> assertThat(sink.committed()).isEmpty())
                .thenAwait(Duration.ofMillis(1))
                .assertNext(event -> {
                    assertThat(event.checkpointId()).isEqualTo(1);
                    assertThat(event.error()).containsInstanceOf(CheckpointTimeoutException.class);
                })
                .expectError(CheckpointTimeoutException.class)
                .verify(Duration.ofSeconds(10));
        assertThat(sink.committed()).isEmpty();
    }
}
