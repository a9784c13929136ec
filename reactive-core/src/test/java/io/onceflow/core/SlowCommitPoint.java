package io.onceflow.core;

import io.onceflow.core.testkit.InMemoryCommitPoint;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * A commit point for tests whose commits take time: each waits a delay on the pipeline's scheduler, or is held
 * until the test releases it, before the wrapped {@link InMemoryCommitPoint} commits. It records the protocol as
 * it sees it: the checkpoints sealed (their markers reached the sinks), those committed, and the high-water marks
 * of checkpoints in flight and of buffered records.
 */
final class SlowCommitPoint<T> implements CommitPoint<T> {

    private final InMemoryCommitPoint<T> delegate;
    private final List<Long> sealed = new CopyOnWriteArrayList<>();
    private final List<Long> committed = new CopyOnWriteArrayList<>();
    private final List<Sinks.Empty<Void>> held = new CopyOnWriteArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicInteger maxBuffered = new AtomicInteger();
    private volatile LongFunction<Duration> delay = id -> Duration.ZERO;
    private volatile int holdNext;
    private volatile boolean holdAll;
    private volatile Mono<CommitPointWriter<T>> openFailure = Mono.empty();
    private volatile LongConsumer beforeCommit = id -> {};
    private final List<Sinks.Empty<Void>> heldIds = new CopyOnWriteArrayList<>();
    private volatile boolean holdIds;
    private final AtomicInteger claims = new AtomicInteger();

    private SlowCommitPoint(InMemoryCommitPoint<T> delegate) {
        this.delegate = delegate;
    }

    static <T> SlowCommitPoint<T> wrap(InMemoryCommitPoint<T> delegate) {
        return new SlowCommitPoint<>(delegate);
    }

    /** Every commit waits {@code duration} on the pipeline's scheduler. */
    SlowCommitPoint<T> delay(Duration duration) {
        return delay(id -> duration);
    }

    /** The commit of checkpoint {@code id} waits {@code delays.apply(id)}. */
    SlowCommitPoint<T> delay(LongFunction<Duration> delays) {
        delay = delays;
        return this;
    }

    /** Every commit from now on waits until {@link #release()}. */
    SlowCommitPoint<T> hold() {
        holdAll = true;
        return this;
    }

    /** The next commit waits until {@link #release()}; later ones do not. */
    SlowCommitPoint<T> holdNext() {
        holdNext++;
        return this;
    }

    /** Releases the held commits, and holds no more. */
    void release() {
        holdAll = false;
        holdNext = 0;
        for (Sinks.Empty<Void> gate : held) {
            held.remove(gate);
            gate.tryEmitEmpty();
        }
    }

    /** Calls {@code hook} with the checkpoint id just before the wrapped commit point commits it. */
    SlowCommitPoint<T> beforeCommit(LongConsumer hook) {
        beforeCommit = hook;
        return this;
    }

    /** The next open fails with {@code failure}. */
    SlowCommitPoint<T> failOpen(Throwable failure) {
        openFailure = Mono.error(failure);
        return this;
    }

    /**
     * Each writer opened from now on tells its last completed checkpoint only at {@link #tellCheckpointIds()} (or
     * fails to, at {@link #failCheckpointIds}): a commit point still reading it from a remote store after its open
     * completed. Meanwhile its {@code lastCompletedCheckpoint()} must not be called.
     */
    SlowCommitPoint<T> holdCheckpointIds() {
        holdIds = true;
        return this;
    }

    /** The held writers tell their last completed checkpoint; writers opened from now on tell it at once. */
    void tellCheckpointIds() {
        holdIds = false;
        for (Sinks.Empty<Void> gate : heldIds) {
            heldIds.remove(gate);
            gate.tryEmitEmpty();
        }
    }

    /** The held writers fail to tell their last completed checkpoint; writers opened from now on tell it at once. */
    void failCheckpointIds(Throwable failure) {
        holdIds = false;
        for (Sinks.Empty<Void> gate : heldIds) {
            heldIds.remove(gate);
            gate.tryEmitError(failure);
        }
    }

    /** How many claims ({@code recover}) the writers were asked for. */
    int claims() {
        return claims.get();
    }

    /** Ids of the checkpoints whose marker reached this commit point, in order. */
    List<Long> sealed() {
        return List.copyOf(sealed);
    }

    /** Ids of the checkpoints committed, in commit order. */
    List<Long> committed() {
        return List.copyOf(committed);
    }

    /** Commits waiting for {@link #release()}. */
    int heldCommits() {
        return held.size();
    }

    /** The most checkpoints sealed and not yet committed (or failed) at once. */
    int maxInFlight() {
        return maxInFlight.get();
    }

    /** The most records the writer held at once, buffered or sealed. */
    int maxBuffered() {
        return maxBuffered.get();
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public boolean isDurable() {
        return delegate.isDurable();
    }

    @Override
    public Mono<CommitPointWriter<T>> open(SinkContext context) {
        Mono<CommitPointWriter<T>> failure = openFailure;
        openFailure = Mono.empty();
        return failure.switchIfEmpty(delegate.open(context).map(writer -> new Writer(writer, context.scheduler())));
    }

    private Mono<Void> waitFor(long checkpointId, Scheduler scheduler) {
        if (holdAll || holdNext > 0) {
            if (holdNext > 0) {
                holdNext--;
            }
            Sinks.Empty<Void> gate = Sinks.empty();
            held.add(gate);
            return gate.asMono();
        }
        Duration wait = delay.apply(checkpointId);
        return wait.isZero() ? Mono.empty() : Mono.delay(wait, scheduler).then();
    }

    private final class Writer implements CommitPointWriter<T> {
        private final CommitPointWriter<T> writer;
        private final Scheduler scheduler;
        private final Sinks.@Nullable Empty<Void> idGate;

        Writer(CommitPointWriter<T> writer, Scheduler scheduler) {
            this.writer = writer;
            this.scheduler = scheduler;
            this.idGate = holdIds ? Sinks.empty() : null;
            if (idGate != null) {
                heldIds.add(idGate);
            }
        }

        @Override
        public void write(Data<T> record) {
            writer.write(record);
            maxBuffered.accumulateAndGet(writer.bufferedRecords(), Math::max);
        }

        @Override
        public Mono<Void> checkpoint(Marker<?> marker) {
            long id = marker.checkpointId();
            sealed.add(id);
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            Mono<Void> commit = writer.checkpoint(marker);
            return Mono.defer(() -> waitFor(id, scheduler))
                    .then(Mono.fromRunnable(() -> beforeCommit.accept(id)))
                    .then(commit)
                    // before the pipeline hears of the outcome, which may start the next checkpoint at once
                    .doOnSuccess(done -> {
                        committed.add(id);
                        inFlight.decrementAndGet();
                    })
                    .doOnError(failure -> inFlight.decrementAndGet())
                    .doOnCancel(inFlight::decrementAndGet);
        }

        @Override
        public long lastCompletedCheckpoint() {
            if (idGate != null && heldIds.contains(idGate)) {
                throw new AssertionError("the last completed checkpoint was read before the writer told it");
            }
            return writer.lastCompletedCheckpoint();
        }

        @Override
        public Mono<Long> lastCompletedCheckpointWhenKnown() {
            return idGate == null
                    ? writer.lastCompletedCheckpointWhenKnown()
                    : idGate.asMono().then(writer.lastCompletedCheckpointWhenKnown());
        }

        @Override
        public Mono<Recovery> recover(Collection<SourcePartition> partitions) {
            return Mono.defer(() -> {
                claims.incrementAndGet();
                return writer.recover(partitions);
            });
        }

        @Override
        public boolean acceptsDeadLetters() {
            return writer.acceptsDeadLetters();
        }

        @Override
        public void deadLetter(DeadLetter<?> deadLetter) {
            writer.deadLetter(deadLetter);
        }

        @Override
        public void deadLettersOf(long checkpointId, java.util.List<DeadLetter<?>> deadLetters) {

            writer.deadLettersOf(checkpointId, deadLetters);
        }

        @Override
        public int bufferedRecords() {
            return writer.bufferedRecords();
        }

        @Override
        public int maxBufferedRecords() {
            return writer.maxBufferedRecords();
        }

        @Override
        public Mono<Void> close() {
            return writer.close();
        }
    }
}
