package io.onceflow.core;

import static io.onceflow.core.VirtualTime.withVirtualTime;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.internal.state.StateRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

// Partition revocation: a final checkpoint covers the revoked partitions, after which this run forgets them.
class RevocationTest {

    private static final SourcePartition P0 = SourcePartition.of("test", 0);
    private static final SourcePartition P1 = SourcePartition.of("test", 1);

    private final TestSource<String> source = TestSource.create("test", 2);
    private final InMemoryCommitPoint<String> sink = InMemoryCommitPoint.create();
    private final SlowCommitPoint<String> slow = SlowCommitPoint.wrap(sink);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AtomicBoolean revoked = new AtomicBoolean();
    private final AtomicReference<Throwable> revocationFailure = new AtomicReference<>();

    private PipelineBuilder builder() {
        return Onceflow.pipeline("revocation")
                .meterRegistry(meters)
                .checkpointEvery(Duration.ofHours(1))
                .checkpointTimeout(Duration.ofMinutes(5))
                .restartPolicy(RestartPolicy.never());
    }

    private void revoke(int partition) {
        source.revoke(partition).subscribe(done -> {}, revocationFailure::set, () -> revoked.set(true));
    }

    @Test
    void revokingAPartitionTakesAFinalCheckpointThatIncludesItsPosition() {
        Pipeline pipeline = builder().from(source).to(sink);

        withVirtualTime(pipeline::run)
                .then(() -> source.emitTo(0, "a", "b").emitTo(1, "c"))
                .then(() -> revoke(0))
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(1));
                    assertThat(event.positions().asMap()).isEqualTo(Map.of(P0, 2L, P1, 1L));
                })
                .then(() -> assertThat(revoked).isTrue())
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(sink.committed()).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(sink.committedPositions().nextOffset(P0)).contains(2L);
    }

    @Test
    void revocationCompletesOnlyOnceItsCheckpointHasCommitted() {
        slow.delay(Duration.ofSeconds(3));
        Pipeline pipeline = builder().from(source).to(slow);

        withVirtualTime(pipeline::run)
                .then(() -> source.emitTo(0, "a"))
                .then(() -> revoke(0))
                .thenAwait(Duration.ofMillis(2999))
                .then(() -> assertThat(revoked).isFalse())
                .then(() -> assertThat(slow.sealed()).containsExactly(1L))
                .thenAwait(Duration.ofMillis(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> assertThat(revoked).isTrue())
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void recordsOfARevokedPartitionReadAfterItsFinalMarkerAreNotCommittedByThisRun() {
        slow.delay(Duration.ofSeconds(3));
        Pipeline pipeline = builder().from(source).to(slow);

        withVirtualTime(pipeline::run)
                .then(() -> source.emitTo(0, "a").emitTo(1, "b"))
                .then(() -> revoke(0))
                // the final marker is out; the source still delivers partition 0 until the revocation completes
                .then(() -> source.emitTo(0, "late"))
                .thenAwait(Duration.ofSeconds(3))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> source.emitTo(0, "later").emitTo(1, "c"))
                .then(() -> pipeline.checkpointNow().subscribe())
                .thenAwait(Duration.ofSeconds(3))
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(2));
                    assertThat(event.records()).isEqualTo(1);
                    assertThat(event.positions().asMap()).isEqualTo(Map.of(P1, 2L));
                })
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(sink.committed()).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(sink.committedPositions().asMap()).isEqualTo(Map.of(P0, 1L, P1, 2L));
        assertThat(meters.get(OnceflowMeters.RECORDS_DROPPED_REVOKED)
                        .tags(OnceflowMeters.TAG_PIPELINE, "revocation", OnceflowMeters.TAG_SOURCE, "test")
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void theKeyedStateOfARevokedPartitionIsCommittedThenDropped() {
        AtomicReference<StateRegistry> registry = new AtomicReference<>();
        InMemoryCommitPoint<Integer> counts = InMemoryCommitPoint.create("counts");
        Pipeline pipeline = countsByFirstLetter(registry, counts);

        withVirtualTime(pipeline::run)
                .then(() -> source.emitTo(0, "a1", "a2").emitTo(1, "b1"))
                .then(() -> assertThat(registry.get().lease(P0)).isNotNull())
                .then(() -> revoke(0))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> assertThat(registry.get().lease(P0)).isNull())
                .then(() -> assertThat(registry.get().lease(P1)).isNotNull())
                .then(() -> source.emitTo(1, "b2"))
                .then(() -> pipeline.checkpointNow().subscribe())
                .expectNext(CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(counts.committedState("keyed-0")).hasSize(2).satisfies(state -> {
            assertThat(state.keySet()).anyMatch(key -> key.startsWith("test-0/"));
            assertThat(state.entrySet())
                    .anyMatch(entry -> entry.getKey().startsWith("test-0/")
                            && entry.getValue().equals("2"));
            assertThat(state.entrySet())
                    .anyMatch(entry -> entry.getKey().startsWith("test-1/")
                            && entry.getValue().equals("2"));
        });
    }

    @Test
    void aRecordOfAPartitionWhoseStateTheRunNoLongerOwnsFailsTheRunInsteadOfBecomingADeadLetter() {
        AtomicReference<StateRegistry> registry = new AtomicReference<>();
        InMemoryCommitPoint<Integer> counts =
                InMemoryCommitPoint.<Integer>create("counts").withDeadLetters();
        Pipeline pipeline = countsByFirstLetter(registry, counts);

        withVirtualTime(pipeline::run)
                .then(() -> source.emitTo(0, "a1"))
                // a protocol error: the partition's state released while its records still come; as a dead letter,
                // the record's position would commit with no effect
                .then(() -> registry.get().release(List.of(P0)))
                .then(() -> source.emitTo(0, "a2"))
                .expectErrorSatisfies(
                        error -> assertThat(error).hasStackTraceContaining("whose partition this run does not own"))
                .verify(Duration.ofSeconds(10));
        assertThat(counts.deadLetters()).isEmpty();
        assertThat(counts.commits()).isZero();
    }

    /**
     * A keyed count per first letter into {@code counts}; {@code registry} gets the run's state registry, as the keyed
     * operators find it: ownership of each partition's state.
     */
    private Pipeline countsByFirstLetter(AtomicReference<StateRegistry> registry, InMemoryCommitPoint<Integer> counts) {
        return builder()
                .from(source)
                .transform(elements -> Flux.deferContextual(context -> {
                    registry.set(context.get(StateRegistry.class));
                    return elements;
                }))
                .keyed(value -> value.substring(0, 1), key -> 0, (count, value) -> count + 1)
                .to(counts);
    }

    @Test
    void theDeadLettersOfAPartitionKeptAcrossTheRevocationOfAnotherAreEachCommittedWithTheirRecords() {
        // a deduplicate operator dead-letters repeats on both partitions; partition 1 goes in the middle
        InMemoryCommitPoint<String> deduplicated =
                InMemoryCommitPoint.<String>create("dedup").withDeadLetters();
        Pipeline pipeline = builder()
                .from(source)
                .deduplicate("ids", value -> value, Duration.ofHours(1))
                .to(deduplicated);

        withVirtualTime(pipeline::run)
                .then(() -> source.emitAt(0, 1, "a")
                        .emitAt(1, 1, "x")
                        .emitAt(0, 2, "a")
                        .emitAt(1, 2, "x"))
                .then(() -> revoke(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> assertThat(revoked).isTrue())
                .then(() -> source.emitAt(0, 3, "b").emitAt(0, 4, "a").emitAt(0, 5, "b"))
                .then(() -> pipeline.checkpointNow().subscribe())
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(2));
                    assertThat(event.positions().asMap()).isEqualTo(Map.of(P0, 5L));
                })
                .then(() -> source.emitAt(0, 6, "c").emitAt(0, 7, "c"))
                .then(() -> pipeline.checkpointNow().subscribe())
                .expectNext(CheckpointEvent.completed(3))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(deduplicated.committed()).containsExactlyInAnyOrder("a", "x", "b", "c");
        assertThat(deduplicated.deadLetters())
                .extracting(letter ->
                        letter.origin().partition() + "@" + letter.origin().offset())
                .containsExactlyInAnyOrder("0@1", "1@1", "0@3", "0@4", "0@6");
        assertThat(deduplicated.committedPositions().asMap()).isEqualTo(Map.of(P0, 7L, P1, 2L));
    }

    @Test
    void aRevocationWhoseCheckpointCannotCompleteWithinTheGracePeriodFailsItAndTheRun() {
        slow.hold();
        Pipeline pipeline = builder()
                .revocationGracePeriod(Duration.ofSeconds(2))
                .from(source)
                .to(slow);

        withVirtualTime(pipeline::run)
                .then(() -> source.emitTo(0, "a"))
                .then(() -> revoke(0))
                .thenAwait(Duration.ofMillis(1999))
                .then(() -> assertThat(revocationFailure.get()).isNull())
                .thenAwait(Duration.ofMillis(1))
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("revoked partitions [test-0] did not complete within PT2S"))
                .verify(Duration.ofSeconds(10));
        assertThat(revoked).isFalse();
        assertThat(revocationFailure.get())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("did not complete within PT2S");
        slow.release();
        assertThat(sink.committed()).isEmpty();
    }

    @Test
    void aPartitionAssignedAgainWhileTheRunStillHoldsItFailsTheRunBeforeAnythingIsClaimed() {
        // a source that lost the partition and got it back without revoking it: the run's checkpoint in flight
        // holds records read under the first claim
        assignedAgainWhileHeld(sink, () -> {});
        assertThat(sink.commits()).isZero();
    }

    @Test
    void aRevokedPartitionIsClaimedAgainOnlyOnceItsFinalCheckpointHasCompleted() {
        slow.hold();
        assignedAgainWhileHeld(slow, () -> {
            revoke(0);
            assertThat(slow.sealed()).containsExactly(1L); // the final marker, its commit held
        });
        slow.release();
        assertThat(sink.committed()).isEmpty();
    }

    /** Emits a record of partition 0, runs {@code before}, assigns partition 0 again: the run fails, claiming nothing. */
    private void assignedAgainWhileHeld(CommitPoint<String> commitPoint, Runnable before) {
        InstrumentedSource<String> instrumented = InstrumentedSource.of(source);
        Pipeline pipeline = builder().from(instrumented).to(commitPoint);
        AtomicReference<Throwable> assignFailure = new AtomicReference<>();

        withVirtualTime(pipeline::run)
                .then(() -> source.emitTo(0, "a"))
                .then(before)
                .then(() -> instrumented.context().assign(List.of(P0)).subscribe(positions -> {}, assignFailure::set))
                .expectErrorSatisfies(error ->
                        assertThat(error).hasStackTraceContaining("assigned [test-0] again while this run still holds"))
                .verify(Duration.ofSeconds(10));
        assertThat(assignFailure.get()).hasMessageContaining("the run restarts, and its next run claims them afresh");
    }

    @Test
    void aPartitionRevokedAfterItsFinalCheckpointCanBeClaimedAgainFromItsCommittedPosition() {
        InstrumentedSource<String> instrumented = InstrumentedSource.of(source);
        Pipeline pipeline = builder().from(instrumented).to(sink);
        AtomicReference<Positions> claimed = new AtomicReference<>();

        withVirtualTime(pipeline::run)
                .then(() -> source.emitTo(0, "a", "b"))
                .then(() -> revoke(0))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> instrumented.context().assign(List.of(P0)).subscribe(claimed::set))
                .then(() -> assertThat(claimed.get().nextOffset(P0)).contains(2L))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void revokingAPartitionTheRunNoLongerOwnsCompletesAtOnceWithoutACheckpoint() {
        Pipeline pipeline = builder().from(source).to(sink);

        withVirtualTime(pipeline::run)
                .then(() -> source.emitTo(0, "a"))
                .then(() -> revoke(0))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> revoked.set(false))
                .then(() -> revoke(0))
                .then(() -> assertThat(revoked).isTrue())
                .expectNoEvent(Duration.ofSeconds(5))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(sink.commits()).isEqualTo(1);
    }
}
