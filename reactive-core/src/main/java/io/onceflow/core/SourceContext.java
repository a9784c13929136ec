package io.onceflow.core;

import io.micrometer.core.instrument.Tags;
import java.util.Collection;
import java.util.Optional;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What a source is given when the pipeline opens it for a run: the hooks of the checkpoint protocol.
 *
 * @since 0.1
 */
public interface SourceContext extends ParticipantContext {

    /** The tags every meter of this source carries: {@code pipeline} and {@code source}. */
    @Override
    Tags tags();

    /**
     * Claims partitions: the commit point fences their previous owner and hands back their positions and keyed
     * state, which is restored before this completes. The source must then seek each partition to the returned
     * position (or apply its reset policy where none is returned) before emitting any of its records.
     */
    Mono<Positions> assign(Collection<SourcePartition> partitions);

    /**
     * Gives partitions up: completes once a checkpoint that covers every record emitted from them has completed.
     * Records of these partitions that the pipeline receives after the call are dropped, for the next owner to
     * replay. Fails when that checkpoint does not complete within the pipeline's revocation grace period; the
     * run then fails too, so the partitions' uncommitted work is abandoned, never committed twice.
     */
    Mono<Void> revoke(Collection<SourcePartition> partitions);

    /**
     * Tells the pipeline how many partitions {@code source} has, so that a keyed operator with a
     * {@link KeyPartitioner} can check that each record's key belongs to the partition it was read from. A source
     * that does not tell leaves those records unchecked.
     */
    void partitionCount(String source, int partitions);

    /**
     * Counts bytes read, for checkpoints triggered by volume ({@code checkpointAfterBytes}). Cheap and
     * thread-safe.
     */
    void recordBytes(long bytes);

    /**
     * The markers of completed checkpoints, in order: a source that keeps its own offsets for lag tooling (Kafka
     * group offsets, when Kafka is not the commit point) commits them here, after the commit point.
     */
    Flux<Marker<?>> completedCheckpoints();

    /**
     * The writer of this run's commit point as a {@code type} ({@link CommitPointWriter#as}), if it is one. A commit
     * point made from its source commits the source's positions itself (a Kafka sink made from its Kafka source sends
     * the consumer offsets in its transaction): the pipeline opens it first, and the source, opening next, finds its
     * writer here and hands it what that commit needs (Kafka: the consumer, whose group metadata goes into the
     * transaction). Empty for any other commit point, and outside a pipeline.
     *
     * @param type the interface through which the source talks to the writer
     * @param <W> that interface
     * @since 0.2
     */
    default <W> Optional<W> commitPointWriter(Class<W> type) {
        return Optional.empty();
    }

    /** Asks for a checkpoint now, and completes with its outcome. */
    Mono<CheckpointEvent> requestCheckpoint(String reason);
}
