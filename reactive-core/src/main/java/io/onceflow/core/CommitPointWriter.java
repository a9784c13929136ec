package io.onceflow.core;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import reactor.core.publisher.Mono;

/**
 * A {@link CommitPoint}'s writer for one run: besides the records, it commits the state changes and positions
 * carried by each marker, writes dead letters, and answers recovery.
 *
 * @param <T> the type of the records
 * @since 0.1
 */
public interface CommitPointWriter<T> extends SinkWriter<T> {

    /**
     * The id of the last checkpoint this pipeline instance completed, or 0 when it has none. A writer that overrides
     * {@link #lastCompletedCheckpointWhenKnown} may block here until it knows (so that a decorator delegating only
     * this method still reads the right id); the pipeline itself reads it through that method.
     */
    long lastCompletedCheckpoint();

    /**
     * Completes with {@link #lastCompletedCheckpoint()} once this writer knows it.
     *
     * <p>Why: after a restart, the commit point's open (fencing the predecessor, learning the last checkpoint from a
     * remote store) and the source's start (a Kafka consumer joining its group) each take a few round trips of cold
     * clients. A writer that completes {@link CommitPoint#open} as soon as it can take claims, and learns the id in the
     * background, lets the source open and join meanwhile. The pipeline starts no checkpoint, and claims no
     * partition ({@link #recover}), before this completes; an error here fails the run, as a failed open would.
     *
     * <p>By default, {@link #lastCompletedCheckpoint()}, read when subscribed: a writer that knows the id when its
     * open completes need not override this.
     *
     * @since 0.2
     */
    default Mono<Long> lastCompletedCheckpointWhenKnown() {
        return Mono.fromCallable(this::lastCompletedCheckpoint);
    }

    /**
     * Claims {@code partitions} for this run and returns their committed positions and keyed state.
     *
     * <p>Claiming fences the previous owner: after this completes, a commit by any other writer that includes one
     * of these partitions fails. Partitions with no committed position are absent from the result's positions,
     * and the source starts them by its own reset policy.
     */
    Mono<Recovery> recover(Collection<SourcePartition> partitions);

    /** Whether this commit point has a dead-letter destination. */
    boolean acceptsDeadLetters();

    /**
     * Buffers a dead letter of the current checkpoint, committed with it.
     *
     * @throws UnsupportedOperationException when {@link #acceptsDeadLetters()} is false
     */
    void deadLetter(DeadLetter<?> deadLetter);

    /**
     * Dead letters of checkpoint {@code checkpointId}, already sealed, that an idempotent sink found while flushing
     * it: they must commit with it. Called after that checkpoint's {@link #checkpoint} and before its commit runs.
     *
     * @throws UnsupportedOperationException when {@link #acceptsDeadLetters()} is false
     */
    default void deadLettersOf(long checkpointId, List<DeadLetter<?>> deadLetters) {
        throw new UnsupportedOperationException("this commit point takes no dead letters of a sealed checkpoint");
    }

    /**
     * {@inheritDoc}
     *
     * <p>For a commit point this is the atomic commit: the sealed records, the sealed dead letters,
     * {@link Marker#stateChanges()} and {@link Marker#positions()} with {@link Marker#checkpointId()}, all or
     * nothing, fenced against newer owners of the positions' partitions.
     *
     * <p>Reading {@link Marker#stateChanges()} may encode state values, on the calling thread (see {@link Marker}), and
     * may then throw a {@link StateCodecException}: read them before anything of the checkpoint becomes durable, or
     * inside the atomic step, so that such a failure commits nothing.
     */
    @Override
    Mono<Void> checkpoint(Marker<?> marker);

    /**
     * This writer as a {@code type}: itself when it is one, else empty. The run's source looks for its commit point's
     * writer this way ({@link SourceContext#commitPointWriter}) when the commit point commits the source's positions
     * itself, as a Kafka sink made from its Kafka source does. A writer that decorates another (to count, to inject a
     * fault) returns what the other returns, so that the source still finds it.
     *
     * @param type the interface looked for
     * @param <W> that interface
     * @since 0.2
     */
    default <W> Optional<W> as(Class<W> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
    }
}
