package io.onceflow.core;

import reactor.core.publisher.Mono;

/**
 * The one participant of a pipeline whose single atomic commit per checkpoint records its own output, the
 * changed keyed state and the source positions with the checkpoint id.
 *
 * <p>A commit point is also where recovery starts: on every partition assignment the source asks it for the
 * authoritative positions and the keyed state of those partitions ({@link CommitPointWriter#recover}). A commit
 * point must fence stale owners: once another instance has claimed a partition, a commit that includes that
 * partition from the previous owner must fail with a {@link FencedException} and change nothing.
 *
 * <p><strong>Commit Semantics</strong>: {@link SinkWriter#checkpoint(Marker)} is all or nothing. When it completes,
 * the checkpoint is durable; when it fails, nothing of it is visible, and the pipeline restarts from the previous
 * completed checkpoint.
 *
 * @param <T> the type of the records the commit point takes
 * @since 0.1
 */
public interface CommitPoint<T> extends Sink<T> {

    /**
     * Opens the commit point for one run of a pipeline: fences any predecessor with the same identity and learns
     * the last completed checkpoint id. A writer may complete before both are done, if its
     * {@link CommitPointWriter#recover} waits for the fence and its
     * {@link CommitPointWriter#lastCompletedCheckpointWhenKnown} for the id: the source then opens meanwhile.
     *
     * @param context the run's pipeline name, instance id and meters
     * @return the writer; an error fails the run start (and goes to the restart policy when retryable)
     */
    Mono<CommitPointWriter<T>> open(SinkContext context);

    /**
     * Whether what this commit point commits outlives the process: then a pipeline's stateful operators must have
     * names of their own, since their state is found again by name. True unless the commit point keeps its
     * commits in memory (a test's).
     */
    default boolean isDurable() {
        return true;
    }

    /**
     * Whether this commit point has a dead-letter destination: without one, a single record that cannot be processed
     * or written stops the pipeline, which assembly warns of. True unless the commit point says otherwise.
     */
    default boolean hasDeadLetterDestination() {
        return true;
    }
}
