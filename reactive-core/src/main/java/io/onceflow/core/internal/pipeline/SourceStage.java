package io.onceflow.core.internal.pipeline;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.Marker;
import io.onceflow.core.OnceflowMeters;
import io.onceflow.core.Origin;
import io.onceflow.core.Positions;
import io.onceflow.core.ProtocolListener;
import io.onceflow.core.ProtocolPoint;
import io.onceflow.core.Recovery;
import io.onceflow.core.Source;
import io.onceflow.core.SourceContext;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.internal.batch.BatchingSource;
import io.onceflow.core.internal.batch.RecordBatch;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The head of a run: opens the source, tracks the positions of the partitions the run owns, and injects markers
 * in-band.
 *
 * <pre>
 *   source records ──┐
 *                    ├─ step ─▶ d d [M] d d ...
 *   wake-ups ────────┘    └ positions per owned partition; records of unowned partitions dropped
 * </pre>
 *
 * <p>Records and coordinator wake-ups go through one serial step ({@link StepEmitter}), so {@link #step} sees them
 * one at a time, in one order, a wake-up before the next record, and a marker's positions are exactly those of the
 * records it follows. When the source completes,
 * a final marker commits what was read. Also the source's {@link SourceContext}.
 */
final class SourceStage<T> implements SourceContext {

    private static final Logger CHECKPOINT = LoggerFactory.getLogger("io.onceflow.CHECKPOINT");
    private static final Object END = new Object();
    private static final long UNKNOWN = -1;

    private final RunContext run;
    private final Source<T> source;
    private final Tags tags;
    private final Map<SourcePartition, Cursor> cursors = new ConcurrentHashMap<>();
    /** Revoked partitions whose final checkpoint has not completed: this run must not claim them again. */
    private final Set<SourcePartition> closingUncommitted = ConcurrentHashMap.newKeySet();

    private volatile Positions lastMarkerPositions = Positions.empty();
    private @Nullable Cursor lastCursor;
    private long recordsSinceMarker;
    private long recordsUncounted;
    private long droppedUncounted;
    /** Elements the source has emitted in this run, counted on its thread as it emits them (one writer). */
    private volatile long emitted;
    /** Elements of the source that {@link #step} has seen, in the same order (serial). */
    private long stepped;

    SourceStage(RunContext run, Source<T> source) {
        this.run = run;
        this.source = source;
        this.tags = run.meters().tags().and(OnceflowMeters.TAG_SOURCE, source.name());
        // registered with the source, not at the first revocation: a dashboard finds the series from the start
        run.meters().droppedRevoked(source.name(), 0);
        run.meters().recordsIn(source.name(), 0);
    }

    /**
     * The position of one owned partition: written by the serial step, or by assignment before any record. A cursor
     * leaves {@link #cursors} at its partition's final marker, and only then stops being owned; the flag is for the
     * step's cached {@link #lastCursor}.
     */
    private static final class Cursor {
        final SourcePartition partition;
        /**
         * The index of the first source element that can belong to this ownership: elements the source emitted
         * before the partition was (re)assigned may still wait in the merge below, and belong to an ownership that
         * has ended.
         */
        final long validFrom;

        volatile long nextOffset;
        volatile boolean owned = true;

        Cursor(SourcePartition partition, long nextOffset, long validFrom) {
            this.partition = partition;
            this.nextOffset = nextOffset;
            this.validFrom = validFrom;
        }
    }

    /**
     * The source's elements with markers, for one run; {@code stop} ends the source gracefully. A {@link
     * BatchingSource}'s batches of records stay batches: one element for many records.
     */
    Flux<Object> elements(Mono<Void> stop) {
        Flux<Object> records = Flux.defer(this::open)
                .takeUntilOther(stop)
                .<Object>map(element -> {
                    emitted++; // only this thread writes: the source emits serially
                    return element;
                })
                .concatWith(Mono.just(END));
        return new StepEmitter(records, run.coordinator().wakeUps(), this::step);
    }

    @SuppressWarnings("unchecked")
    private Flux<Object> open() {
        if (source instanceof BatchingSource<T> batching) {
            return batching.openBatched(this);
        }
        return (Flux<Object>) (Flux<?>) source.open(this);
    }

    /** One step of the stage, over a record of the source, its end, or a wake-up of the coordinator ({@code null}). */
    private void step(@Nullable Object item, StepEmitter.Output out) {
        if (item == null) {
            Marker<T> marker = startMarker(false);
            if (marker != null) {
                out.next(marker);
            }
        } else if (item instanceof RecordBatch<?> batch) {
            stepBatch(batch, stepped++, out);
        } else if (item instanceof Remainder remainder) {
            stepBatch(remainder.batch(), remainder.index(), out);
        } else if (item instanceof Data<?> record) {
            if (advance(record.origin(), stepped++)) {
                out.next(record);
            }
        } else if (item instanceof DeadLetter<?> deadLetter) {
            if (advance(deadLetter.origin(), stepped++)) {
                out.next(deadLetter);
            }
        } else if (item == END) {
            Marker<T> last = startMarker(true);
            if (last != null) {
                out.next(last);
            }
            flushCounts();
            out.complete();
        } else {
            out.error(new IllegalStateException("source '" + source.name()
                    + "' emitted a marker: sources emit records, the pipeline injects markers"));
        }
    }

    /** The rest of a batch cut where a checkpoint fell due, and the index of the source element it was part of. */
    private record Remainder(RecordBatch<?> batch, long index) {}

    /**
     * Emits a batch, the {@code index}-th element of the source, unless its records are dropped. Where the
     * checkpoint's record limit falls inside the batch, the batch is cut there: its first part goes now, its marker
     * next, and the rest after it (stepped again), so that a checkpoint holds the count of records it is given, as
     * when records come one at a time.
     */
    private void stepBatch(RecordBatch<?> batch, long index, StepEmitter.Output out) {
        if (batch.isEmpty()) {
            return;
        }
        long due = run.options().checkpointAfterRecords() - recordsSinceMarker;
        if (due > 0 && due < batch.size()) {
            out.again(new Remainder(batch.split((int) due), index));
        }
        if (advance(batch.source(), batch.partition(), batch.nextOffset(), batch.size(), index)) {
            out.next(batch);
        }
    }

    /**
     * Moves the record's partition past it; false when the run does not own the partition, or the source emitted the
     * record (the {@code index}-th of its elements) before the current ownership began: it is dropped.
     */
    private boolean advance(Origin origin, long index) {
        return advance(origin.source(), origin.partition(), origin.nextOffset(), 1, index);
    }

    /**
     * Moves {@code source}'s {@code partition} to {@code nextOffset}, past {@code records} records emitted as one
     * element (one record, or a batch of them): false when they are dropped, as {@link #advance(Origin, long)} says.
     * A batch that crosses the checkpoint's record limit asks for the checkpoint after it: its marker follows the
     * batch, never splits it.
     */
    private boolean advance(String source, int partition, long nextOffset, int records, long index) {
        Cursor cursor = lastCursor;
        if (cursor == null
                || cursor.partition.partition() != partition
                || !cursor.partition.source().equals(source)
                || !cursor.owned) {
            cursor = cursors.get(new SourcePartition(source, partition)); // every cursor in the map is owned
            if (cursor == null) {
                droppedUncounted += records;
                return false;
            }
            lastCursor = cursor;
        }
        if (index < cursor.validFrom) {
            droppedUncounted += records;
            return false;
        }
        cursor.nextOffset = nextOffset;
        recordsUncounted += records;
        long limit = run.options().checkpointAfterRecords();
        long before = recordsSinceMarker;
        recordsSinceMarker = before + records;
        if (before < limit && recordsSinceMarker >= limit) {
            run.coordinator().trigger("records");
        }
        return true;
    }

    private @Nullable Marker<T> startMarker(boolean last) {
        Positions positions = positions();
        boolean changed = recordsSinceMarker > 0 || !positions.equals(lastMarkerPositions);
        CheckpointCoordinator.InFlight checkpoint = run.coordinator().tryStart(changed, last);
        if (checkpoint == null) {
            return null;
        }
        for (SourcePartition partition : checkpoint.closing) {
            Cursor cursor = cursors.remove(partition);
            if (cursor != null) {
                cursor.owned = false;
            }
        }
        lastMarkerPositions = positions;
        recordsSinceMarker = 0;
        flushCounts();
        CHECKPOINT.debug(
                "pipeline={} checkpoint={} marker created positions={}",
                run.pipeline(),
                checkpoint.checkpointId,
                positions);
        // the removals of state the pipeline allowed to drop at restore go with the first marker after it
        return Marker.<T>of(checkpoint.checkpointId, positions)
                .withStateChanges(run.stateRegistry().drainDropped());
    }

    private Positions positions() {
        Map<SourcePartition, Long> offsets = new HashMap<>();
        for (Cursor cursor : cursors.values()) {
            long next = cursor.nextOffset;
            if (next != UNKNOWN) {
                offsets.put(cursor.partition, next);
            }
        }
        return Positions.of(offsets);
    }

    private void flushCounts() {
        if (recordsUncounted > 0) {
            run.meters().recordsIn(source.name(), recordsUncounted);
            recordsUncounted = 0;
        }
        if (droppedUncounted > 0) {
            run.meters().droppedRevoked(source.name(), droppedUncounted);
            droppedUncounted = 0;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>A partition this run still holds (not revoked, or revoked and its final checkpoint not completed) is refused,
     * and the run fails, before anything is claimed: a checkpoint of the earlier ownership may still be on its way to
     * commit, and under a new claim it would commit records read under the old one. A source assigns a partition
     * again only after revoking it (a rebalance); one that lost it fails its run instead, and a restarted run claims
     * it afresh.
     */
    @Override
    public Mono<Positions> assign(Collection<SourcePartition> partitions) {
        List<SourcePartition> claimed = List.copyOf(partitions);
        List<SourcePartition> held = claimed.stream()
                .filter(partition -> cursors.containsKey(partition) || closingUncommitted.contains(partition))
                .toList();
        if (!held.isEmpty()) {
            IllegalStateException refused = new IllegalStateException("pipeline '" + run.pipeline() + "': source '"
                    + source.name() + "' assigned " + held + " again while this run still holds them (no revocation"
                    + " closed them): the run restarts, and its next run claims them afresh");
            run.coordinator().fail(refused);
            return Mono.error(refused);
        }
        // after the commit point has told the last checkpoint: a partition owned before could not be checkpointed
        return run.lastCompletedCheckpoint()
                .then(Mono.defer(() -> run.commitPoint().recover(claimed)))
                .map(recovery -> claimed(claimed, recovery));
    }

    /** Applies a claim's recovery: the partitions' state restored, their cursors at the committed positions. */
    private Positions claimed(List<SourcePartition> claimed, Recovery recovery) {
        // claimed and read, nothing applied: a crash here leaves the predecessor fenced and this run with nothing
        protocolListener().reached(ProtocolPoint.DURING_RESTORE, -1);
        run.stateRegistry().restore(claimed, recovery.state());
        // resuming at the committed positions is nothing new: an idle run must not commit them again
        lastMarkerPositions = lastMarkerPositions.with(recovery.positions());
        for (SourcePartition partition : claimed) {
            long next = recovery.positions().nextOffset(partition).orElse(UNKNOWN);
            cursors.put(partition, new Cursor(partition, next, emitted));
        }
        CHECKPOINT.info(
                "pipeline={} assigned={} positions={} stateEntries={}",
                run.pipeline(),
                claimed,
                recovery.positions(),
                recovery.state().size());
        return recovery.positions();
    }

    @Override
    public Mono<Void> revoke(Collection<SourcePartition> partitions) {
        List<SourcePartition> owned =
                partitions.stream().filter(cursors::containsKey).toList();
        if (owned.isEmpty()) {
            return Mono.empty();
        }
        closingUncommitted.addAll(owned); // until their final checkpoint has completed: a failed one leaves them held
        return run.coordinator()
                .closePartitions(owned)
                .timeout(run.options().revocationGracePeriod(), run.scheduler())
                .flatMap(event -> event.completed()
                        ? Mono.<Void>empty()
                        : Mono.<Void>error(event.error().orElseThrow()))
                .doOnSuccess(done -> {
                    run.stateRegistry().release(owned);
                    owned.forEach(closingUncommitted::remove);
                    CHECKPOINT.info("pipeline={} revoked={} after their final checkpoint", run.pipeline(), owned);
                })
                .onErrorMap(
                        TimeoutException.class,
                        timeout -> new IllegalStateException(
                                "pipeline '" + run.pipeline() + "': the final checkpoint of revoked partitions " + owned
                                        + " did not complete within "
                                        + run.options().revocationGracePeriod(),
                                timeout))
                // the partitions' uncommitted work is abandoned with the run, so it can never commit after them
                .doOnError(failure -> run.coordinator().fail(failure));
    }

    @Override
    public void partitionCount(String source, int partitions) {
        run.stateRegistry().partitionCount(source, partitions);
    }

    @Override
    public void recordBytes(long bytes) {
        run.coordinator().recordBytes(bytes);
    }

    @Override
    public Flux<Marker<?>> completedCheckpoints() {
        return run.completedMarkers();
    }

    @Override
    public Mono<CheckpointEvent> requestCheckpoint(String reason) {
        requireNonNull(reason, "reason");
        return run.coordinator().forceCheckpoint();
    }

    @Override
    public String pipeline() {
        return run.pipeline();
    }

    @Override
    public String instanceId() {
        return run.options().instanceId();
    }

    @Override
    public MeterRegistry meterRegistry() {
        return run.meters().registry();
    }

    @Override
    public Tags tags() {
        return tags;
    }

    @Override
    public Scheduler scheduler() {
        return run.scheduler();
    }

    @Override
    public <W> Optional<W> commitPointWriter(Class<W> type) {
        return run.commitPoint().as(type);
    }

    @Override
    public ProtocolListener protocolListener() {
        return run.options().protocolListener();
    }
}
