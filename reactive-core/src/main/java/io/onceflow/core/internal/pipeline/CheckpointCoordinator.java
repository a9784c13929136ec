package io.onceflow.core.internal.pipeline;

import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.CheckpointTimeoutException;
import io.onceflow.core.PipelineOptions;
import io.onceflow.core.SourcePartition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.util.concurrent.Queues;

/**
 * Decides when a run takes a checkpoint, numbers the checkpoints, and tracks those in flight.
 *
 * <p>Triggers (the interval, a record or byte count, a full sink buffer) only raise a flag and wake the source
 * stage; the source stage asks {@link #tryStart} at its next step, in stream order, and creates the marker there.
 * A triggered checkpoint waits while {@code maxConcurrentCheckpoints} are in flight, and is skipped when nothing
 * changed since the previous marker. Forced checkpoints (on demand, partition revocation, the final one) are never
 * skipped and never wait for room. No checkpoint starts before the run knows its commit point's last completed
 * checkpoint ({@link #numberFrom}). Each checkpoint in flight has a timeout, measured on the pipeline's scheduler,
 * that fails the run.
 *
 * <p>Thread-safe: triggers come from timers, the source and the sinks; the state is guarded by this object's
 * monitor, and wake-ups go through a serialized sink.
 */
final class CheckpointCoordinator {

    private static final Logger CHECKPOINT = LoggerFactory.getLogger("io.onceflow.CHECKPOINT");
    private static final Object WAKE_UP = new Object();

    private final String pipeline;
    private final PipelineOptions options;
    private final Scheduler scheduler;
    private final Sinks.Many<Object> wakeUps = Sinks.many()
            .unicast()
            .onBackpressureBuffer(Queues.<Object>get(Queues.XS_BUFFER_SIZE).get());
    private final Sinks.One<CheckpointEvent> runFailure = Sinks.one();
    private final AtomicLong bytesSinceMarker = new AtomicLong();
    private final Map<Long, InFlight> inFlight = new HashMap<>();
    private final List<Sinks.One<CheckpointEvent>> forcedWaiters = new ArrayList<>();
    private final Set<SourcePartition> closing = new LinkedHashSet<>();
    private long nextCheckpointId;
    /** Whether the commit point has told the last completed checkpoint: until then no checkpoint starts. */
    private boolean numbered;

    private boolean triggered;
    private boolean shutDown;
    private @Nullable Disposable interval;

    CheckpointCoordinator(PipelineOptions options, Scheduler scheduler) {
        this.pipeline = options.name();
        this.options = options;
        this.scheduler = scheduler;
    }

    /**
     * Numbers this run's checkpoints from {@code lastCompletedCheckpoint + 1}, and lets them start: a trigger or a
     * forced checkpoint that came before waits for this (the commit point may learn the id after the source opened).
     */
    void numberFrom(long lastCompletedCheckpoint) {
        synchronized (this) {
            if (numbered) {
                throw new IllegalStateException("pipeline '" + pipeline + "': checkpoints are numbered already");
            }
            nextCheckpointId = lastCompletedCheckpoint + 1;
            numbered = true;
        }
        wakeUp();
    }

    /** One checkpoint between its marker's creation and its outcome. */
    static final class InFlight {
        final long checkpointId;
        final long startNanos;
        final List<Sinks.One<CheckpointEvent>> waiters;
        final Set<SourcePartition> closing;

        @Nullable
        Disposable timeout;

        InFlight(
                long checkpointId,
                long startNanos,
                List<Sinks.One<CheckpointEvent>> waiters,
                Set<SourcePartition> closing) {
            this.checkpointId = checkpointId;
            this.startNanos = startNanos;
            this.waiters = waiters;
            this.closing = closing;
        }
    }

    /** Starts the interval trigger, if the options have one. */
    void start() {
        Duration period = options.checkpointInterval();
        if (!period.isZero()) {
            interval = Flux.interval(period, period, scheduler)
                    .onBackpressureDrop()
                    .subscribe(tick -> trigger("interval"));
        }
    }

    /** Wake-ups for the source stage: each means "ask {@link #tryStart} again". */
    Flux<Object> wakeUps() {
        return wakeUps.asFlux();
    }

    /**
     * Completes empty when the run ends; when a checkpoint times out, emits its failed event, then errors with
     * the {@link CheckpointTimeoutException}; errors when the run is {@linkplain #fail failed}.
     */
    Flux<CheckpointEvent> runFailure() {
        return runFailure
                .asMono()
                .flatMapMany(event ->
                        Flux.just(event).concatWith(Mono.error(event.error().orElseThrow())));
    }

    /** Asks for a checkpoint at the next opportunity; coalesced with any trigger already pending. */
    void trigger(String reason) {
        synchronized (this) {
            if (shutDown || triggered) {
                return;
            }
            triggered = true;
        }
        CHECKPOINT.trace("pipeline={} trigger={}", pipeline, reason);
        wakeUp();
    }

    /** Counts source bytes, triggering at {@code checkpointAfterBytes}. */
    void recordBytes(long bytes) {
        long limit = options.checkpointAfterBytes();
        if (limit > 0 && bytesSinceMarker.addAndGet(bytes) >= limit) {
            trigger("bytes");
        }
    }

    /** Takes a checkpoint now, even if nothing changed; completes with its outcome. */
    Mono<CheckpointEvent> forceCheckpoint() {
        return Mono.defer(() -> {
            Sinks.One<CheckpointEvent> waiter = Sinks.one();
            synchronized (this) {
                if (shutDown) {
                    return Mono.error(new IllegalStateException("pipeline '" + pipeline + "' is not running"));
                }
                forcedWaiters.add(waiter);
            }
            wakeUp();
            return waiter.asMono();
        });
    }

    /**
     * Closes {@code partitions} with a forced checkpoint: its marker is the last to include them. Completes with
     * that checkpoint's outcome.
     */
    Mono<CheckpointEvent> closePartitions(Collection<SourcePartition> partitions) {
        return Mono.defer(() -> {
            Sinks.One<CheckpointEvent> waiter = Sinks.one();
            synchronized (this) {
                if (shutDown) {
                    return Mono.error(new IllegalStateException("pipeline '" + pipeline + "' is not running"));
                }
                closing.addAll(partitions);
                forcedWaiters.add(waiter);
            }
            wakeUp();
            return waiter.asMono();
        });
    }

    /**
     * Called by the source stage at a step: starts a checkpoint if one is due, or returns {@code null}.
     *
     * @param changed whether anything changed since the previous marker (records, or positions)
     * @param last whether the source has completed: the final checkpoint is forced
     */
    synchronized @Nullable InFlight tryStart(boolean changed, boolean last) {
        boolean forced = last || !forcedWaiters.isEmpty() || !closing.isEmpty();
        if (shutDown || !numbered || !(forced || triggered)) {
            // not numbered yet: nothing is claimed before (see RunContext), so a run whose source ended
            // meanwhile has nothing to commit
            return null;
        }
        if (!forced) {
            if (inFlight.size() >= options.maxConcurrentCheckpoints()) {
                return null;
            }
            if (!changed) {
                triggered = false;
                return null;
            }
        }
        if (last && !changed && forcedWaiters.isEmpty()) {
            return null;
        }
        InFlight checkpoint =
                new InFlight(nextCheckpointId++, now(), new ArrayList<>(forcedWaiters), new LinkedHashSet<>(closing));
        forcedWaiters.clear();
        closing.clear();
        triggered = false;
        bytesSinceMarker.set(0);
        inFlight.put(checkpoint.checkpointId, checkpoint);
        Duration timeout = options.checkpointTimeout();
        checkpoint.timeout =
                Mono.delay(timeout, scheduler).subscribe(tick -> timedOut(checkpoint.checkpointId, timeout));
        return checkpoint;
    }

    /** Nanoseconds since the checkpoint's marker was created. */
    synchronized long elapsedNanos(long checkpointId) {
        InFlight checkpoint = inFlight.get(checkpointId);
        return checkpoint == null ? 0 : now() - checkpoint.startNanos;
    }

    /** Records a checkpoint's outcome; wakes the source stage if a trigger waited for room. */
    void finished(CheckpointEvent event) {
        InFlight checkpoint;
        boolean wake;
        synchronized (this) {
            checkpoint = inFlight.remove(event.checkpointId());
            wake = triggered;
        }
        if (checkpoint == null) {
            return;
        }
        if (checkpoint.timeout != null) {
            checkpoint.timeout.dispose();
        }
        for (Sinks.One<CheckpointEvent> waiter : checkpoint.waiters) {
            waiter.tryEmitValue(event);
        }
        if (wake) {
            wakeUp();
        }
    }

    /** Fails the run with {@code failure}, unless it has already ended. */
    void fail(Throwable failure) {
        runFailure.tryEmitError(failure);
    }

    /** Ends the run: timers stop and everyone still waiting gets {@code cause}. */
    void shutDown(Throwable cause) {
        List<Sinks.One<CheckpointEvent>> waiting = new ArrayList<>();
        List<InFlight> pending;
        synchronized (this) {
            if (shutDown) {
                return;
            }
            shutDown = true;
            waiting.addAll(forcedWaiters);
            forcedWaiters.clear();
            pending = new ArrayList<>(inFlight.values());
            inFlight.clear();
        }
        if (interval != null) {
            interval.dispose();
        }
        for (InFlight checkpoint : pending) {
            if (checkpoint.timeout != null) {
                checkpoint.timeout.dispose();
            }
            waiting.addAll(checkpoint.waiters);
        }
        for (Sinks.One<CheckpointEvent> waiter : waiting) {
            waiter.tryEmitError(cause);
        }
        runFailure.tryEmitEmpty();
        wakeUps.tryEmitComplete();
    }

    long now() {
        return scheduler.now(TimeUnit.NANOSECONDS);
    }

    private void timedOut(long checkpointId, Duration timeout) {
        InFlight checkpoint;
        synchronized (this) {
            checkpoint = inFlight.get(checkpointId);
            if (checkpoint == null) {
                return;
            }
        }
        CHECKPOINT.warn("pipeline={} checkpoint={} timed out after {}", pipeline, checkpointId, timeout);
        // a failed checkpoint like any other: its waiters, the event feed and the meters hear of it
        CheckpointEvent event = CheckpointEvent.failed(
                checkpointId,
                Duration.ofNanos(now() - checkpoint.startNanos),
                0,
                new CheckpointTimeoutException(pipeline, checkpointId, timeout));
        for (Sinks.One<CheckpointEvent> waiter : checkpoint.waiters) {
            waiter.tryEmitValue(event);
        }
        runFailure.tryEmitValue(event);
    }

    private void wakeUp() {
        synchronized (wakeUps) {
            // a full queue means a wake-up is already pending: nothing is lost by dropping this one
            wakeUps.tryEmitNext(WAKE_UP);
        }
    }
}
