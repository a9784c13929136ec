package io.onceflow.core.internal.pipeline;

import io.onceflow.core.CommitPointWriter;
import io.onceflow.core.Marker;
import io.onceflow.core.PipelineOptions;
import io.onceflow.core.internal.state.StateRegistry;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * Everything one run of a pipeline shares between its stages. It travels to the operators in the Reactor
 * {@link reactor.util.context.Context}, under its own class, with the {@link StateRegistry} beside it.
 */
final class RunContext {

    private final PipelineOptions options;
    private final Scheduler scheduler;
    private final PipelineMeters meters;
    private final CheckpointCoordinator coordinator;
    private final StateRegistry stateRegistry;
    private final CommitPointWriter<?> commitPoint;
    private final Sinks.Many<Marker<?>> completedMarkers =
            Sinks.many().multicast().onBackpressureBuffer(256, false);
    /** The commit point's last completed checkpoint, once known: claims and checkpoints wait for it. */
    private final Sinks.One<Long> lastCompletedCheckpoint = Sinks.one();

    private Flux<Object> sourceElements = Flux.empty();
    private volatile boolean ended;

    RunContext(
            PipelineOptions options,
            Scheduler scheduler,
            PipelineMeters meters,
            CommitPointWriter<?> commitPoint,
            boolean commitPointDurable) {
        this.options = options;
        this.scheduler = scheduler;
        this.meters = meters;
        this.commitPoint = commitPoint;
        this.stateRegistry = StateRegistry.create(options.name(), options.stateDropAllowed(), commitPointDurable);
        this.coordinator = new CheckpointCoordinator(options, scheduler);
    }

    /**
     * The commit point's last completed checkpoint is known: checkpoints are numbered after it, and claims go ahead.
     */
    void lastCompletedCheckpointKnown(long checkpointId) {
        coordinator.numberFrom(checkpointId);
        lastCompletedCheckpoint.tryEmitValue(checkpointId);
    }

    /** The commit point could not tell its last completed checkpoint: the run fails, and so does any claim waiting. */
    void lastCompletedCheckpointFailed(Throwable failure) {
        lastCompletedCheckpoint.tryEmitError(failure);
        coordinator.fail(failure);
    }

    /**
     * Completes once the commit point's last completed checkpoint is known. A claim waits for it, so that no record
     * is owned (and none can need a checkpoint) before the run can number one.
     */
    Mono<Long> lastCompletedCheckpoint() {
        return lastCompletedCheckpoint.asMono();
    }

    String pipeline() {
        return options.name();
    }

    PipelineOptions options() {
        return options;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    PipelineMeters meters() {
        return meters;
    }

    CheckpointCoordinator coordinator() {
        return coordinator;
    }

    StateRegistry stateRegistry() {
        return stateRegistry;
    }

    CommitPointWriter<?> commitPoint() {
        return commitPoint;
    }

    Flux<Marker<?>> completedMarkers() {
        return completedMarkers.asFlux();
    }

    void completed(Marker<?> marker) {
        synchronized (completedMarkers) {
            completedMarkers.tryEmitNext(marker);
        }
    }

    void ended() {
        ended = true;
        synchronized (completedMarkers) {
            completedMarkers.tryEmitComplete();
        }
    }

    /** Whether the run has ended: its writers are closed and what they buffered is dropped. */
    boolean isEnded() {
        return ended;
    }

    void sourceElements(Flux<Object> elements) {
        this.sourceElements = elements;
    }

    /**
     * The marker-injected source elements of this run, which the pipeline's first operator subscribes to: stream
     * elements, and batches of records where the source emits them.
     */
    Flux<Object> sourceElements() {
        return sourceElements;
    }
}
