package io.onceflow.core;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An assembled exactly-once pipeline: a source, marker-aware operators, and sinks with one commit point.
 *
 * <pre>
 *   source ─d─d─[M1]─d─▶ operators ─▶ idempotent sinks ─flush(1)─┐
 *                                  └▶ commit point ──────────────┴─commit(1): output + state + positions
 *                                                                 └▶ CheckpointEvent.completed(1)
 * </pre>
 *
 * <p>Nothing happens until {@link #run()} is subscribed. A run restores state and positions from the commit point,
 * then reads, processes and checkpoints until it is cancelled, its source completes, or {@link #stop()} is
 * called. A failed checkpoint restarts the run per the {@link RestartPolicy}, from the last completed checkpoint.
 *
 * <p><strong>Commit Semantics</strong>: each record's effect on the commit point, and on every idempotent sink, is
 * visible exactly once, however often the run fails and restarts.
 *
 * <pre>{@code
 * Disposable running = ledger.run().subscribe();
 * }</pre>
 *
 * @since 0.1
 */
public interface Pipeline {

    /** The pipeline's name. */
    String name();

    /** The pipeline's settings. */
    PipelineOptions options();

    /**
     * Runs the pipeline and emits each checkpoint's outcome.
     *
     * <p>The flux never completes while its source is open; it completes after a final checkpoint when the source
     * completes or {@link #stop()} is called; it errors when the restart policy gives up or a failure is not
     * retryable. Cancelling it stops the pipeline abruptly: whatever was not checkpointed is replayed by the next
     * run. One run at a time: a second concurrent subscription errors with {@link IllegalStateException}.
     */
    Flux<CheckpointEvent> run();

    /**
     * The checkpoint events of every run of this pipeline, for dashboards: hot, and subscribing does not start
     * anything.
     */
    Flux<CheckpointEvent> events();

    /**
     * Takes a checkpoint now, even if nothing changed, and completes with its outcome. Errors when the pipeline is
     * not running.
     */
    Mono<CheckpointEvent> checkpointNow();

    /**
     * Stops the running pipeline gracefully: the source stops, a final checkpoint commits what was read, and
     * {@link #run()} completes. Completes when it has; at once when the pipeline is not running.
     */
    Mono<Void> stop();

    /** What the pipeline is doing now. */
    PipelineStatus status();
}
