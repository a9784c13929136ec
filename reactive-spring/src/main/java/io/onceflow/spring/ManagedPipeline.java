package io.onceflow.spring;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Pipeline;
import io.onceflow.core.PipelineStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One {@link Pipeline} bean as the {@link OnceflowRunner} runs it: its run, its idle keep-alive, its recent
 * checkpoints, and the operations an application needs beside them (stop gracefully, abort, start again, checkpoint
 * now).
 *
 * <pre>
 *   start() ─▶ RUNNING ── checkpoints … ──┬─ stop(): final checkpoint ─▶ STOPPED
 *                 │  └ RESTARTING (policy) ┼─ the source completes ───▶ COMPLETED
 *                 │                        ├─ the policy gives up ─────▶ FAILED (onceflow.runner.on-failure)
 *                 └────────────────────────┴─ abort(): no final checkpoint ─▶ ABORTED ── start() ─▶ RUNNING …
 * </pre>
 *
 * <p><strong>Commit Semantics</strong>: {@link #stop()} commits what the pipeline has read (a final checkpoint) before
 * the run ends; {@link #abort()} ends it as a killed process would (the open transaction is aborted, the consumer
 * leaves its group), and the next run, here or in another instance, replays what the last checkpoint did not commit.
 * Either way every record has exactly one effect.
 *
 * @since 0.1
 */
public final class ManagedPipeline {

    private static final Logger LOG = LoggerFactory.getLogger(ManagedPipeline.class);

    /** What a managed pipeline is doing. */
    public enum State {
        /** The runner has not started it yet. */
        NOT_STARTED,
        /** The runner is doing the {@link PipelinePreparation}s before it starts. */
        STARTING,
        /** Running: reading, processing, checkpointing. */
        RUNNING,
        /** Waiting out its restart policy's backoff after a failed run. */
        RESTARTING,
        /** Stopped abruptly by {@link #abort()}; {@link #start()} starts it again. */
        ABORTED,
        /** Taking its final checkpoint. */
        STOPPING,
        /** Stopped after its final checkpoint. */
        STOPPED,
        /** Its source completed, and its final checkpoint with it. */
        COMPLETED,
        /** Gave up: its restart policy is exhausted, or the failure is not retryable. */
        FAILED
    }

    private final Pipeline pipeline;
    private final OnceflowProperties.PipelineSettings settings;
    private final boolean keepAliveEnabled;
    private final Consumer<ManagedPipeline> onFailure;
    private final Scheduler clock;
    private final CheckpointHistory history;
    private final Object lock = new Object();

    private @Nullable Disposable run; // guarded by lock
    private @Nullable Disposable keepAlive; // guarded by lock
    private volatile State state = State.NOT_STARTED;
    private volatile long runningSince = -1;
    private volatile @Nullable Throwable failure;

    ManagedPipeline(
            Pipeline pipeline,
            OnceflowProperties.PipelineSettings settings,
            boolean keepAliveEnabled,
            Consumer<ManagedPipeline> onFailure) {
        this.pipeline = requireNonNull(pipeline, "pipeline");
        this.settings = requireNonNull(settings, "settings");
        this.keepAliveEnabled = keepAliveEnabled;
        this.onFailure = requireNonNull(onFailure, "onFailure");
        this.clock = pipeline.options().resolveScheduler();
        this.history = new CheckpointHistory(pipeline, clock);
    }

    /** The pipeline's name. */
    public String name() {
        return pipeline.name();
    }

    /** The pipeline. */
    public Pipeline pipeline() {
        return pipeline;
    }

    /** What the pipeline is doing now. */
    public State state() {
        State now = state;
        if (now != State.RUNNING) {
            return now;
        }
        PipelineStatus.State core = pipeline.status().state();
        return core == PipelineStatus.State.RESTARTING ? State.RESTARTING : now;
    }

    /**
     * Starts a run, unless one is running or stopping. Returns at once: the run goes on in the background, and
     * {@link #state()} says how it goes.
     */
    public void start() {
        synchronized (lock) {
            if (state == State.RUNNING || state == State.STOPPING) {
                return;
            }
            failure = null;
            runningSince = clock.now(TimeUnit.MILLISECONDS);
            state = State.RUNNING;
            run = pipeline.run().subscribe(event -> {}, this::failed, this::completed);
            if (keepAliveEnabled && keepAlive == null) {
                keepAlive = KeepAlive.rounds(pipeline, settings.keepAliveInterval(), clock, () -> runningSince)
                        .subscribe();
            }
        }
    }

    private void failed(Throwable error) {
        synchronized (lock) {
            if (state != State.RUNNING && state != State.STOPPING) {
                return;
            }
            state = State.FAILED;
            failure = error;
            runningSince = -1;
        }
        LOG.error("pipeline={} gave up: {}", name(), error.toString(), error);
        onFailure.accept(this);
    }

    private void completed() {
        synchronized (lock) {
            state = state == State.STOPPING ? State.STOPPED : State.COMPLETED;
            runningSince = -1;
        }
        LOG.info("pipeline={} stopped after its final checkpoint", name());
    }

    /** The runner could not prepare the start: the pipeline is {@code FAILED} with {@code error}. */
    void preparationFailed(Throwable error) {
        synchronized (lock) {
            state = State.FAILED;
            failure = error;
        }
        onFailure.accept(this);
    }

    /** The runner is preparing the start. */
    void preparing() {
        synchronized (lock) {
            if (state == State.NOT_STARTED) {
                state = State.STARTING;
            }
        }
    }

    /**
     * Stops the pipeline gracefully: the source stops, a final checkpoint commits what was read, the run ends.
     * Completes when it has; at once when the pipeline does not run.
     */
    public Mono<Void> stop() {
        return Mono.defer(() -> {
            synchronized (lock) {
                if (state != State.RUNNING) {
                    return Mono.empty();
                }
                state = State.STOPPING;
            }
            LOG.info("pipeline={} stopping: final checkpoint", name());
            return pipeline.stop();
        });
    }

    /**
     * Stops the pipeline gracefully within {@code timeout}, or else abruptly. Never errors.
     *
     * @param timeout how long the final checkpoint may take; zero to stop abruptly at once
     */
    Mono<Void> stop(Duration timeout) {
        if (timeout.isZero()) {
            return abort();
        }
        return stop().timeout(timeout, Schedulers.parallel()).onErrorResume(e -> {
            LOG.warn(
                    "pipeline={} did not stop within {} ms ({}): stopping it abruptly, the next run replays what the"
                            + " last checkpoint did not commit",
                    name(),
                    timeout.toMillis(),
                    e instanceof TimeoutException ? "timeout" : e.toString());
            return abort();
        });
    }

    /**
     * Stops the pipeline abruptly, without a final checkpoint: what a killed process looks like to Kafka and to the
     * database. Completes once the run is cancelled; cancelling closes clients, so it happens on a
     * {@link Schedulers#boundedElastic()} thread, never the caller's.
     */
    public Mono<Void> abort() {
        return Mono.<Void>fromRunnable(() -> {
                    Disposable current;
                    synchronized (lock) {
                        current = run;
                        run = null;
                        if (state == State.RUNNING || state == State.STOPPING) {
                            state = State.ABORTED;
                            runningSince = -1;
                        }
                    }
                    if (current != null) {
                        current.dispose();
                        LOG.warn("pipeline={} aborted: no final checkpoint", name());
                    }
                })
                .subscribeOn(Schedulers.boundedElastic());
    }

    /** Takes a checkpoint now, even if nothing changed; errors when the pipeline does not run. */
    public Mono<CheckpointEvent> checkpointNow() {
        return pipeline.checkpointNow();
    }

    /** The last {@code count} checkpoints, oldest first (at most {@value CheckpointHistory#SIZE} are kept). */
    public List<CheckpointRecord> recentCheckpoints(int count) {
        return history.last(count);
    }

    /**
     * The recent checkpoints, then each new one as it ends: hot, and subscribing starts nothing. A subscriber that
     * falls behind should buffer or drop ({@link CheckpointServerSentEvents} does).
     */
    public Flux<CheckpointRecord> checkpoints() {
        return history.replayAndFollow();
    }

    /** The pipeline now, with its last {@code checkpoints} checkpoints. */
    public PipelineReport report(int checkpoints) {
        PipelineStatus status = pipeline.status();
        long now = clock.now(TimeUnit.MILLISECONDS);
        long last = status.lastCompletedAtMillis();
        Throwable error = failure != null ? failure : status.lastError();
        return new PipelineReport(
                name(),
                pipeline.options().instanceId(),
                state(),
                status.lastCompletedCheckpoint(),
                last,
                last < 0 ? -1 : Math.max(0, now - last),
                runningSince,
                settings.maxCheckpointAge().toMillis(),
                status.restarts(),
                error != null ? error.toString() : null,
                history.last(checkpoints));
    }

    /** The time now by the pipeline's scheduler, epoch milliseconds. */
    long now() {
        return clock.now(TimeUnit.MILLISECONDS);
    }

    /** The failure the pipeline gave up with, if it did. */
    @Nullable
    Throwable failure() {
        return failure;
    }

    /** Ends the keep-alive and the history; aborts a run still going. For the runner's destruction. */
    void close() {
        Disposable current;
        synchronized (lock) {
            if (keepAlive != null) {
                keepAlive.dispose();
                keepAlive = null;
            }
            current = run;
            run = null;
        }
        if (current != null) {
            current.dispose();
        }
        history.dispose();
    }

    @Override
    public String toString() {
        return "ManagedPipeline[" + name() + ", " + state() + "]";
    }
}
