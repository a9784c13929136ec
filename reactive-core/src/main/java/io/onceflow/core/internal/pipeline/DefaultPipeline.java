package io.onceflow.core.internal.pipeline;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.CommitPointWriter;
import io.onceflow.core.IdempotentSink;
import io.onceflow.core.Pipeline;
import io.onceflow.core.PipelineOptions;
import io.onceflow.core.PipelineStatus;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.Sink;
import io.onceflow.core.SinkWriter;
import io.onceflow.core.Source;
import io.onceflow.core.internal.state.StateRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * The pipeline: runs attempts, one at a time, restarting per the {@link RestartPolicy}; keeps the status and the
 * hot event feed.
 *
 * <p>An attempt opens the participants (the commit point first: it fences predecessors and learns the last
 * checkpoint id), builds a {@link RunContext}, and subscribes the user's chain with that context, from the
 * {@link SourceStage} to the {@link SinkStage}. A commit point may learn the id after its open completed
 * ({@link CommitPointWriter#lastCompletedCheckpointWhenKnown}): the source opens meanwhile, and claims and
 * checkpoints wait for it. Whatever way an attempt ends, its writers are closed.
 */
public final class DefaultPipeline<T, R> implements Pipeline {

    private static final Logger LOG = LoggerFactory.getLogger(DefaultPipeline.class);
    private static final Logger CHECKPOINT = LoggerFactory.getLogger("io.onceflow.CHECKPOINT");

    private final PipelineOptions options;
    private final Source<T> source;
    /** The chain, from the source stage to the sink stage: its elements may be batches of records. */
    private final Flux<?> chain;

    private final PipelineAssembly<R> assembly;
    private final PipelineMeters meters;
    private final Sinks.Many<CheckpointEvent> events = Sinks.many().multicast().directBestEffort();
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicReference<PipelineStatus> status =
            new AtomicReference<>(new PipelineStatus(PipelineStatus.State.IDLE, 0, -1, 0, null));
    private final AtomicReference<@Nullable Attempt> current = new AtomicReference<>();
    private volatile @Nullable Scheduler scheduler;
    private volatile boolean stopRequested;
    private volatile Sinks.Empty<Void> terminated = Sinks.empty();

    private DefaultPipeline(PipelineOptions options, Source<T> source, Flux<?> chain, PipelineAssembly<R> assembly) {
        this.options = options;
        this.source = source;
        this.chain = chain;
        this.assembly = assembly;
        this.meters = new PipelineMeters(options.meterRegistry(), options.name(), this::lastCheckpointAgeMillis);
    }

    /**
     * Checks the participants and assembles a pipeline.
     *
     * @param unnamedOperators the chain's stateful operators without a name of their own, which a durable commit
     *     point refuses
     * @param chain the operators over {@link #sourcePlaceholder()}: elements of type {@code R}, or batches of records
     *     of type {@code R} ({@link io.onceflow.core.internal.batch.RecordBatch})
     */
    public static <T, R> Pipeline create(
            PipelineOptions options,
            Source<T> source,
            Flux<?> chain,
            List<? extends Sink<? super R>> sinks,
            List<String> unnamedOperators) {
        return new DefaultPipeline<>(
                requireNonNull(options, "options"),
                requireNonNull(source, "source"),
                requireNonNull(chain, "chain"),
                PipelineAssembly.of(options, source, sinks, unnamedOperators));
    }

    /**
     * The upstream of a pipeline's first operator: the running attempt's source, with markers, and batches of records
     * where the source emits them.
     */
    public static Flux<Object> sourcePlaceholder() {
        return PipelineAssembly.sourcePlaceholder();
    }

    /** One attempt in progress: what {@link #checkpointNow()} and {@link #stop()} reach. */
    private record Attempt(RunContext run, Sinks.Empty<Void> stop) {}

    /** The writers one attempt opened, and the relay of their dead letters to the commit point. */
    private record Writers<R>(
            CommitPointWriter<R> commitPoint, List<SinkStage.NamedWriter<R>> idempotent, DeadLetterRelay relay) {
        Mono<Void> close() {
            Mono<Void> closing = Flux.fromIterable(idempotent)
                    .concatMap(writer -> quietly(writer.writer().close()))
                    .then();
            return closing.then(quietly(commitPoint.close()));
        }

        private static Mono<Void> quietly(Mono<Void> close) {
            return close.onErrorResume(failure -> {
                LOG.warn("closing a sink writer failed", failure);
                return Mono.empty();
            });
        }
    }

    @Override
    public String name() {
        return options.name();
    }

    @Override
    public PipelineOptions options() {
        return options;
    }

    @Override
    public Flux<CheckpointEvent> run() {
        return Flux.defer(() -> {
            if (!running.compareAndSet(false, true)) {
                return Flux.error(new IllegalStateException("pipeline '" + name() + "' is already running"));
            }
            Scheduler time = options.resolveScheduler();
            scheduler = time;
            stopRequested = false;
            terminated = Sinks.empty();
            RestartPolicy policy = options.restartPolicy();
            AtomicLong inARow = new AtomicLong();
            // not Retry.backoff(...).transientErrors(true): any onNext resets that count, and an attempt that
            // fails emits its failed checkpoint first, so the count and the backoff would never grow
            Retry retry = Retry.from(failures ->
                    failures.concatMap(signal -> restart(signal.failure(), policy, inARow.incrementAndGet(), time)));
            return Flux.defer(() -> attempt(time))
                    .doOnNext(event -> {
                        if (event.completed()) {
                            inARow.set(0);
                        }
                    })
                    .retryWhen(retry)
                    .doOnNext(this::publish)
                    .doOnError(failure -> {
                        LOG.error("pipeline={} stopped: {}", name(), failure.toString());
                        setState(PipelineStatus.State.FAILED, failure);
                    })
                    .doOnComplete(() -> setState(PipelineStatus.State.STOPPED, null))
                    .doOnCancel(() -> setState(PipelineStatus.State.STOPPED, null))
                    .doFinally(signal -> {
                        running.set(false);
                        terminated.tryEmitEmpty();
                    });
        });
    }

    private Flux<CheckpointEvent> attempt(Scheduler time) {
        if (stopRequested) {
            return Flux.empty();
        }
        setState(PipelineStatus.State.RUNNING, null);
        DeadLetterRelay relay = new DeadLetterRelay();
        return Flux.usingWhen(
                open(time, relay),
                writers -> execute(time, writers),
                Writers::close,
                (writers, failure) -> writers.close(),
                Writers::close);
    }

    @SuppressWarnings("unchecked")
    private Mono<Writers<R>> open(Scheduler time, DeadLetterRelay relay) {
        return assembly.commitPoint()
                .open(new DefaultSinkContext(
                        options, time, meters, assembly.commitPoint().name(), relay))
                .doOnNext(commitPoint -> relay.accepted(commitPoint.acceptsDeadLetters()))
                .flatMap(commitPoint -> Flux.fromIterable(assembly.idempotent())
                        .concatMap(sink -> openIdempotent(sink, time, relay))
                        .collectList()
                        .map(idempotent -> new Writers<>((CommitPointWriter<R>) commitPoint, idempotent, relay))
                        .onErrorResume(failure -> commitPoint
                                .close()
                                .onErrorResume(e -> Mono.empty())
                                .then(Mono.error(failure))));
    }

    @SuppressWarnings("unchecked")
    private Mono<SinkStage.NamedWriter<R>> openIdempotent(
            IdempotentSink<? super R> sink, Scheduler time, DeadLetterRelay relay) {
        return sink.open(new DefaultSinkContext(options, time, meters, sink.name(), relay))
                .map(writer -> new SinkStage.NamedWriter<>(sink.name(), (SinkWriter<R>) writer));
    }

    private Flux<CheckpointEvent> execute(Scheduler time, Writers<R> writers) {
        RunContext run = new RunContext(
                options,
                time,
                meters,
                writers.commitPoint(),
                assembly.commitPoint().isDurable());
        Sinks.Empty<Void> stop = Sinks.empty();
        SourceStage<T> sourceStage = new SourceStage<>(run, source);
        run.sourceElements(sourceStage.elements(stop.asMono()));
        SinkStage<R> sinkStage = new SinkStage<>(
                run,
                writers.idempotent(),
                assembly.commitPoint().name(),
                writers.commitPoint(),
                assembly.commitPointTakesRecords(),
                writers.relay());
        Flux<?> processed = chain.contextWrite(
                context -> context.put(RunContext.class, run).put(StateRegistry.class, run.stateRegistry()));
        Attempt attempt = new Attempt(run, stop);
        Disposable.Swap numbering = Disposables.swap();
        return sinkStage
                .run(processed)
                .doOnComplete(() -> run.coordinator().shutDown(new CancellationException("the run completed")))
                .mergeWith(run.coordinator().runFailure().doOnNext(run.meters()::checkpoint))
                .doOnSubscribe(subscription -> {
                    current.set(attempt);
                    if (stopRequested) {
                        stop.tryEmitEmpty();
                    }
                    run.coordinator().start();
                    numbering.update(learnLastCompletedCheckpoint(run, writers.commitPoint()));
                })
                .doFinally(signal -> {
                    numbering.dispose();
                    // only if still ours: a restart without backoff has subscribed its attempt before this runs
                    current.compareAndSet(attempt, null);
                    run.coordinator().shutDown(new CancellationException("the run ended: " + signal));
                    run.ended();
                });
    }

    /** Numbers the run's checkpoints once the commit point knows its last one; the source opens meanwhile. */
    private Disposable learnLastCompletedCheckpoint(RunContext run, CommitPointWriter<R> commitPoint) {
        return commitPoint
                .lastCompletedCheckpointWhenKnown()
                .switchIfEmpty(Mono.error(() -> new IllegalStateException(
                        "commit point '" + assembly.commitPoint().name() + "' told no last completed checkpoint")))
                .subscribe(
                        last -> {
                            CHECKPOINT.info(
                                    "pipeline={} instance={} starting after checkpoint {}",
                                    name(),
                                    options.instanceId(),
                                    last);
                            run.lastCompletedCheckpointKnown(last);
                        },
                        run::lastCompletedCheckpointFailed);
    }

    private void publish(CheckpointEvent event) {
        if (event.completed()) {
            Scheduler time = scheduler;
            long at = time != null ? time.now(TimeUnit.MILLISECONDS) : System.currentTimeMillis();
            status.updateAndGet(s -> new PipelineStatus(
                    PipelineStatus.State.RUNNING, event.checkpointId(), at, s.restarts(), s.lastError()));
        }
        synchronized (events) {
            events.tryEmitNext(event);
        }
    }

    /** Waits out the backoff before restart {@code attempt} in a row, or gives up with {@code failure}. */
    private Mono<Long> restart(Throwable failure, RestartPolicy policy, long attempt, Scheduler time) {
        if (stopRequested
                || attempt > policy.maxAttempts()
                || !policy.retryable().test(failure)) {
            return Mono.error(failure);
        }
        restarting(failure, attempt);
        return Mono.delay(backoff(policy, attempt), time);
    }

    /**
     * {@code minBackoff * 2^(attempt - 1)}, at most {@code maxBackoff}, moved at random by up to {@code jitter} of
     * itself while staying within both bounds: the formula of Reactor's {@code Retry.backoff}.
     */
    static Duration backoff(RestartPolicy policy, long attempt) {
        double min = policy.minBackoff().toNanos();
        double max = policy.maxBackoff().toNanos();
        double nominal = Math.min(max, min * Math.pow(2, Math.min(attempt - 1, 62)));
        double low = Math.max(min, nominal * (1 - policy.jitter()));
        double high = Math.min(max, nominal * (1 + policy.jitter()));
        double chosen = high > low ? ThreadLocalRandom.current().nextDouble(low, high) : low;
        return Duration.ofNanos((long) chosen);
    }

    private void restarting(Throwable failure, long attempt) {
        meters.restarted();
        status.updateAndGet(s -> new PipelineStatus(
                PipelineStatus.State.RESTARTING,
                s.lastCompletedCheckpoint(),
                s.lastCompletedAtMillis(),
                s.restarts() + 1,
                failure));
        LOG.warn("pipeline={} restarting (attempt {} in a row) after: {}", name(), attempt, failure.toString());
    }

    private void setState(PipelineStatus.State state, @Nullable Throwable failure) {
        status.updateAndGet(s -> new PipelineStatus(
                state,
                s.lastCompletedCheckpoint(),
                s.lastCompletedAtMillis(),
                s.restarts(),
                failure != null ? failure : s.lastError()));
    }

    private long lastCheckpointAgeMillis() {
        PipelineStatus now = status.get();
        Scheduler time = scheduler;
        if (now.lastCompletedAtMillis() < 0 || time == null) {
            return -1;
        }
        return time.now(TimeUnit.MILLISECONDS) - now.lastCompletedAtMillis();
    }

    @Override
    public Flux<CheckpointEvent> events() {
        return events.asFlux();
    }

    @Override
    public Mono<CheckpointEvent> checkpointNow() {
        return Mono.defer(() -> {
            Attempt attempt = current.get();
            if (attempt == null) {
                return Mono.error(new IllegalStateException("pipeline '" + name() + "' is not running"));
            }
            return attempt.run().coordinator().forceCheckpoint();
        });
    }

    @Override
    public Mono<Void> stop() {
        return Mono.defer(() -> {
            if (!running.get()) {
                return Mono.empty();
            }
            stopRequested = true;
            Attempt attempt = current.get();
            if (attempt != null) {
                attempt.stop().tryEmitEmpty();
            }
            return terminated.asMono();
        });
    }

    @Override
    public PipelineStatus status() {
        return status.get();
    }
}
