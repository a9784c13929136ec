package io.onceflow.core;

import static io.onceflow.core.VirtualTime.withVirtualTime;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.InjectedFailure;
import io.onceflow.core.testkit.ProtocolStep;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

// The restart policy: exponential backoff with jitter, bounded consecutive attempts, and no retry of what cannot heal.
class RestartPolicyTest {

    private static final Duration INTERVAL = Duration.ofSeconds(1);

    private final TestSource<String> records = TestSource.create();
    private final InstrumentedSource<String> source = InstrumentedSource.of(records);
    private final InMemoryCommitPoint<String> sink = InMemoryCommitPoint.create();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private Pipeline pipeline(RestartPolicy policy) {
        return Onceflow.pipeline("restarts")
                .meterRegistry(meters)
                .checkpointEvery(INTERVAL)
                .restartPolicy(policy)
                .from(source)
                .to(sink);
    }

    /** Each restart's backoff: from the failure, one interval after its run opened, to the next open. */
    private List<Long> backoffsMillis() {
        List<Long> opens = source.opensAtMillis();
        List<Long> backoffs = new ArrayList<>();
        for (int i = 1; i < opens.size(); i++) {
            backoffs.add(opens.get(i) - opens.get(i - 1) - INTERVAL.toMillis());
        }
        return backoffs;
    }

    @Test
    void backsOffExponentiallyUpToTheMaximumWithoutJitter() {
        sink.failRandomly(1.0, 1, ProtocolStep.BEFORE_COMMIT);
        records.emit("a");
        Pipeline pipeline = pipeline(RestartPolicy.defaults()
                .withMaxAttempts(6)
                .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(10))
                .withJitter(0));

        withVirtualTime(pipeline::run)
                .thenAwait(Duration.ofMinutes(2))
                .thenConsumeWhile(CheckpointEvent::failed)
                .expectError(CheckpointFailedException.class)
                .verify(Duration.ofSeconds(10));
        assertThat(backoffsMillis()).containsExactly(1_000L, 2_000L, 4_000L, 8_000L, 10_000L, 10_000L);
    }

    @Test
    void backsOffWithinTheJitterBounds() {
        sink.failRandomly(1.0, 1, ProtocolStep.BEFORE_COMMIT);
        records.emit("a");
        double jitter = 0.5;
        Pipeline pipeline = pipeline(RestartPolicy.defaults()
                .withMaxAttempts(8)
                .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30))
                .withJitter(jitter));

        withVirtualTime(pipeline::run)
                .thenAwait(Duration.ofMinutes(5))
                .thenConsumeWhile(CheckpointEvent::failed)
                .expectError(CheckpointFailedException.class)
                .verify(Duration.ofSeconds(10));
        List<Long> backoffs = backoffsMillis();
        assertThat(backoffs).hasSize(8);
        boolean jittered = false;
        for (int attempt = 0; attempt < backoffs.size(); attempt++) {
            long nominal = Math.min(1_000L << attempt, 30_000L);
            long low = Math.max(1_000L, (long) (nominal * (1 - jitter)));
            long high = Math.min(30_000L, (long) (nominal * (1 + jitter)));
            assertThat(backoffs.get(attempt)).as("backoff %d", attempt + 1).isBetween(low, high);
            jittered |= backoffs.get(attempt) != nominal;
        }
        assertThat(jittered).as("some backoff differs from its nominal value").isTrue();
    }

    @Test
    void givesUpAfterTheMaximumConsecutiveAttemptsWithTheLastFailure() {
        sink.failRandomly(1.0, 1, ProtocolStep.BEFORE_COMMIT);
        records.emit("a");
        Pipeline pipeline = pipeline(RestartPolicy.defaults()
                .withMaxAttempts(3)
                .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1))
                .withJitter(0));

        withVirtualTime(pipeline::run)
                .thenAwait(Duration.ofMinutes(1))
                .expectNextMatches(CheckpointEvent::failed)
                .expectNextMatches(CheckpointEvent::failed)
                .expectNextMatches(CheckpointEvent::failed)
                .expectNextMatches(CheckpointEvent::failed)
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(CheckpointFailedException.class)
                        .hasCauseInstanceOf(InjectedFailure.class))
                .verify(Duration.ofSeconds(10));
        assertThat(records.opens()).isEqualTo(4);
        assertThat(sink.injectedFailures()).isEqualTo(4);
        assertThat(pipeline.status().state()).isEqualTo(PipelineStatus.State.FAILED);
        assertThat(pipeline.status().restarts()).isEqualTo(3);
        assertThat(pipeline.status().error()).containsInstanceOf(CheckpointFailedException.class);
    }

    @Test
    void theAttemptCountResetsAfterACompletedCheckpoint() {
        Pipeline pipeline = pipeline(RestartPolicy.defaults()
                .withMaxAttempts(2)
                .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1))
                .withJitter(0));

        withVirtualTime(pipeline::run)
                .then(() -> sink.failNext(ProtocolStep.BEFORE_COMMIT).failNext(ProtocolStep.BEFORE_COMMIT))
                .then(() -> records.emit("a"))
                .thenAwait(Duration.ofSeconds(10))
                .expectNextMatches(CheckpointEvent::failed)
                .expectNextMatches(CheckpointEvent::failed)
                .expectNext(CheckpointEvent.completed(1))
                // two failures in a row again: allowed, because a checkpoint completed in between
                .then(() -> sink.failNext(ProtocolStep.BEFORE_COMMIT).failNext(ProtocolStep.BEFORE_COMMIT))
                .then(() -> records.emit("b"))
                .thenAwait(Duration.ofSeconds(10))
                .expectNextMatches(CheckpointEvent::failed)
                .expectNextMatches(CheckpointEvent::failed)
                .expectNext(CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(sink.committed()).containsExactly("a", "b");
        assertThat(pipeline.status().restarts()).isEqualTo(4);
    }

    @Test
    void failuresBeforeAnyCheckpointCountAsConsecutiveAttempts() {
        sink.failRandomly(1.0, 1, ProtocolStep.OPEN);
        Pipeline pipeline = pipeline(RestartPolicy.defaults()
                .withMaxAttempts(2)
                .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1))
                .withJitter(0));

        withVirtualTime(pipeline::run)
                .thenAwait(Duration.ofSeconds(10))
                .expectErrorSatisfies(error ->
                        assertThat(error).isInstanceOf(InjectedFailure.class).hasMessageContaining("OPEN"))
                .verify(Duration.ofSeconds(10));
        assertThat(sink.injectedFailures(ProtocolStep.OPEN)).isEqualTo(3);
    }

    @Test
    void aPoisonRecordWithoutDeadLetterDestinationStopsTheRunAtOnce() {
        Pipeline pipeline = Onceflow.pipeline("restarts")
                .meterRegistry(meters)
                .checkpointEvery(INTERVAL)
                .from(source)
                .map(value -> {
                    if (value.equals("poison")) {
                        throw new IllegalArgumentException("cannot parse");
                    }
                    return value;
                })
                .to(sink);

        withVirtualTime(pipeline::run)
                .then(() -> records.emit("a", "poison"))
                .expectError(PoisonRecordException.class)
                .verify(Duration.ofSeconds(10));
        assertThat(records.opens()).isEqualTo(1);
        assertThat(pipeline.status().restarts()).isZero();
        assertThat(pipeline.status().state()).isEqualTo(PipelineStatus.State.FAILED);
    }

    @Test
    void aFencedCommitStopsTheRunAtOnce() {
        Pipeline first = pipeline(RestartPolicy.defaults().withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1)));
        Pipeline second = Onceflow.pipeline("restarts")
                .meterRegistry(new SimpleMeterRegistry())
                .instanceId("1")
                .checkpointEvery(Duration.ofHours(1))
                .from(TestSource.<String>create())
                .to(sink);
        Disposable[] newOwner = new Disposable[1];

        withVirtualTime(first::run)
                .then(() -> records.emit("a"))
                .thenAwait(INTERVAL)
                .expectNext(CheckpointEvent.completed(1))
                // another instance claims the partition: the first one's next commit is fenced
                .then(() -> newOwner[0] = second.run().subscribe())
                .then(() -> records.emit("b"))
                .thenAwait(INTERVAL)
                .assertNext(event -> assertThat(event.failed()).isTrue())
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(CheckpointFailedException.class)
                        .hasCauseInstanceOf(FencedException.class))
                .verify(Duration.ofSeconds(10));
        newOwner[0].dispose();
        assertThat(records.opens()).isEqualTo(1);
        assertThat(first.status().restarts()).isZero();
        assertThat(sink.committed()).containsExactly("a");
    }

    @Test
    void aConfigurationErrorStopsTheRunAtOnce() {
        SlowCommitPoint<String> misconfigured = SlowCommitPoint.wrap(sink)
                .failOpen(new PipelineConfigurationException("table 'ledger' does not exist: create it"));
        Pipeline pipeline =
                Onceflow.pipeline("restarts").meterRegistry(meters).from(source).to(misconfigured);

        withVirtualTime(pipeline::run)
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(PipelineConfigurationException.class)
                        .hasMessageContaining("create it"))
                .verify(Duration.ofSeconds(10));
        assertThat(pipeline.status().restarts()).isZero();
    }

    @Test
    void aFailureThePolicyDoesNotRetryStopsTheRunAtOnce() {
        sink.failNextCommit();
        records.emit("a");
        Pipeline pipeline = pipeline(RestartPolicy.defaults().withRetryable(failure -> false));

        withVirtualTime(pipeline::run)
                .thenAwait(INTERVAL)
                .expectNextMatches(CheckpointEvent::failed)
                .expectError(CheckpointFailedException.class)
                .verify(Duration.ofSeconds(10));
        assertThat(records.opens()).isEqualTo(1);
    }

    @Test
    void theDefaultFilterRetriesTransientFailuresOnly() {
        assertThat(RestartPolicy.isRetryableByDefault(new IllegalStateException("connection reset")))
                .isTrue();
        assertThat(RestartPolicy.isRetryableByDefault(new CheckpointTimeoutException("p", 1, Duration.ofSeconds(1))))
                .isTrue();
        assertThat(RestartPolicy.isRetryableByDefault(
                        new CheckpointFailedException("p", 1, "sink", new IllegalStateException("reset"))))
                .isTrue();
        assertThat(RestartPolicy.isRetryableByDefault(new FencedException("fenced", null)))
                .isFalse();
        assertThat(RestartPolicy.isRetryableByDefault(
                        new CheckpointFailedException("p", 1, "sink", new FencedException("fenced", null))))
                .isFalse();
        assertThat(RestartPolicy.isRetryableByDefault(new PipelineConfigurationException("no table")))
                .isFalse();
        assertThat(RestartPolicy.isRetryableByDefault(new OutOfMemoryError())).isFalse();
    }

    @Test
    void invalidPoliciesAreRefusedWithWhatIsWrong() {
        RestartPolicy defaults = RestartPolicy.defaults();
        assertThatThrownBy(() -> defaults.withMaxAttempts(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxAttempts must be >= 0");
        assertThatThrownBy(() -> defaults.withBackoff(Duration.ofSeconds(-1), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minBackoff <= maxBackoff");
        assertThatThrownBy(() -> defaults.withBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minBackoff <= maxBackoff");
        assertThatThrownBy(() -> defaults.withJitter(1.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jitter must be between 0 and 1");
        assertThatThrownBy(() -> defaults.withJitter(-0.1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> defaults.withJitter(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> defaults.withRetryable(null)).isInstanceOf(NullPointerException.class);
        assertThat(RestartPolicy.never().maxAttempts()).isZero();
        assertThat(defaults.maxAttempts()).isEqualTo(10);
        assertThat(defaults.minBackoff()).isEqualTo(Duration.ofSeconds(1));
        assertThat(defaults.maxBackoff()).isEqualTo(Duration.ofMinutes(1));
        assertThat(defaults.jitter()).isEqualTo(0.5);
    }
}
