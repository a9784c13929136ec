package io.onceflow.core.internal.pipeline;

import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.CheckpointFailedException;
import io.onceflow.core.CommitPointWriter;
import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.Marker;
import io.onceflow.core.PoisonRecordException;
import io.onceflow.core.ProtocolPoint;
import io.onceflow.core.SinkWriter;
import io.onceflow.core.StreamElement;
import io.onceflow.core.internal.batch.RecordBatch;
import io.onceflow.core.internal.operators.Elements;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The end of a run: writes records into the sinks' buffers and runs the commit protocol at each marker.
 *
 * <pre>
 *   d d [M1] d d d [M2] d ...     data path: write, write, seal(1), write ...
 *          └──────────┐
 *                     ▼            commit path, one checkpoint at a time, in order:
 *          flush(1) every idempotent sink ─▶ commit(1) at the commit point ─▶ completed(1)
 * </pre>
 *
 * <p>The pipeline's protocol listener hears {@code AFTER_FLUSH} between the flushes and the commit, and
 * {@code AFTER_COMMIT} between the commit and the completion (which the source hears of next).
 *
 * <p>The data path never waits for a commit unless a sink's buffer is full: records of checkpoint N+1 keep flowing
 * while N commits. A full buffer first asks for a checkpoint (the marker must reach the sinks to free anything, so
 * the data path keeps accepting until it does); once a sealed checkpoint is committing, the data path waits for it.
 * The overshoot is bounded by the prefetch of the operators between the source and here.
 */
final class SinkStage<T> {

    private static final Logger COMMIT = LoggerFactory.getLogger("io.onceflow.COMMIT");
    private static final Logger CHECKPOINT = LoggerFactory.getLogger("io.onceflow.CHECKPOINT");

    /** Dead letters of one checkpoint held at most, for a commit point whose record bound is larger, or none. */
    static final int MAX_DEAD_LETTERS_PER_CHECKPOINT = 100_000;

    /**
     * Elements the data path asks for at a time. Without prefetch (Reactor's default for {@code concatMap} since 3.5)
     * every element cost a {@code request(1)} through every stage of the chain above, the source stage's drain loop
     * included. The price is bounded: a buffer that reaches its bound asks for a checkpoint, and the records already
     * in flight (at most this many) reach the buffer before that checkpoint's marker; while a full buffer waits for a
     * commit ({@link #relieve}), at most this many wait here. An element may be a batch of one partition's records (as
     * many as a poll of the source returned), so the records in flight are bounded by this many polls.
     */
    static final int PREFETCH = 32;

    private final RunContext run;
    private final List<NamedWriter<T>> idempotent;
    private final NamedWriter<T> commitPoint;
    private final CommitPointWriter<T> commitPointWriter;
    private final DeadLetterRelay relay;
    private final List<NamedWriter<T>> all = new ArrayList<>();
    private final Sinks.Many<Sealed> sealed = Sinks.many().unicast().onBackpressureBuffer();
    private final AtomicInteger sealedPending = new AtomicInteger();
    private final AtomicLong completedCount = new AtomicLong();
    private final AtomicLong deadLettersRelayed = new AtomicLong();
    private final Sinks.Many<Long> completions = Sinks.many().replay().latest();
    private long recordsInCheckpoint;
    private long deadLettersInCheckpoint;
    private boolean bufferTriggerSent;

    /** A sink writer with the name it is known by in meters and errors. */
    record NamedWriter<T>(String name, SinkWriter<T> writer) {}

    /** One checkpoint sealed at its marker, waiting its turn to commit. */
    private record Sealed(
            Marker<?> marker, long records, long deadLetters, List<Mono<Void>> flushes, Mono<Void> commit) {}

    /**
     * @param takesRecords false when the commit point is a checkpoint store, which commits state and positions
     *     only
     */
    SinkStage(
            RunContext run,
            List<NamedWriter<T>> idempotent,
            String commitPointName,
            CommitPointWriter<T> commitPointWriter,
            boolean takesRecords,
            DeadLetterRelay relay) {
        this.run = run;
        this.relay = relay;
        this.idempotent = idempotent;
        this.commitPointWriter = commitPointWriter;
        this.commitPoint = new NamedWriter<>(commitPointName, commitPointWriter);
        this.all.addAll(idempotent);
        if (takesRecords) {
            this.all.add(commitPoint);
        }
        for (NamedWriter<T> writer : all) {
            // a closed writer may still count what it dropped: once the run has ended, nothing is buffered
            run.meters()
                    .buffered(
                            writer.name(),
                            () -> run.isEnded() ? 0 : writer.writer().bufferedRecords());
        }
    }

    /** Runs the data path and the commit path; emits each checkpoint's outcome. */
    @SuppressWarnings("unchecked")
    Flux<CheckpointEvent> run(Flux<?> elements) {
        Flux<CheckpointEvent> dataPath = ((Flux<Object>) elements)
                .concatMap(this::accept, PREFETCH)
                .doOnComplete(() -> sealed.tryEmitComplete())
                .thenMany(Flux.empty());
        Flux<CheckpointEvent> commitPath = sealed.asFlux().concatMap(this::commit);
        // the commit path first: a source that emits while being subscribed must find it listening
        return Flux.merge(commitPath, dataPath);
    }

    @SuppressWarnings("unchecked")
    private Mono<Void> accept(Object element) {
        if (element instanceof Data<?> record) {
            Throwable failure = write((Data<T>) record);
            if (failure != null) {
                return Mono.error(failure);
            }
            return overBound() ? relieve() : Mono.empty();
        }
        if (element instanceof RecordBatch<?> batch) {
            // each record as the writers take it, a dead letter in its place: the same order as one element each
            for (int i = 0, size = batch.size(); i < size; i++) {
                Throwable failure = batch.isDeadLetter(i) ? deadLetter(batch.deadLetter(i)) : write(batch.element(i));
                if (failure != null) {
                    return Mono.error(failure);
                }
            }
            return overBound() ? relieve() : Mono.empty();
        }
        if (element instanceof Marker<?> marker) {
            seal(marker);
            return Mono.empty();
        }
        Throwable failure = deadLetter((DeadLetter<?>) element);
        if (failure != null) {
            return Mono.error(failure);
        }
        return overBound() ? relieve() : Mono.empty();
    }

    /** Writes a record to every writer; what fails the run if one throws, or null. */
    private @Nullable Throwable write(StreamElement<T> element) {
        Data<T> record = (Data<T>) element;
        for (NamedWriter<T> writer : all) {
            try {
                writer.writer().write(record);
            } catch (Throwable failure) {
                // a writer must not throw; one that does (or runs out of memory) fails the run, with a signal
                return Elements.signallable("sink:" + writer.name(), record.origin(), failure);
            }
        }
        recordsInCheckpoint++;
        return null;
    }

    /** Hands a dead letter to the commit point; what fails the run when it has no dead-letter destination, or null. */
    private @Nullable Throwable deadLetter(DeadLetter<?> deadLetter) {
        if (!commitPointWriter.acceptsDeadLetters()) {
            return new PoisonRecordException(run.pipeline(), deadLetter);
        }
        commitPointWriter.deadLetter(deadLetter);
        deadLettersInCheckpoint++;
        return null;
    }

    /**
     * Whether a writer's buffer is full, or the commit point holds as many dead letters of the open checkpoint as it
     * may hold records (at most {@value #MAX_DEAD_LETTERS_PER_CHECKPOINT}): a flood of records that all fail, say of
     * hostile bytes, must not pile up in memory while a commit is slow, any more than records that pass.
     */
    private boolean overBound() {
        if (deadLettersInCheckpoint
                >= Math.min(commitPointWriter.maxBufferedRecords(), MAX_DEAD_LETTERS_PER_CHECKPOINT)) {
            return true;
        }
        for (NamedWriter<T> writer : all) {
            if (writer.writer().bufferedRecords() >= writer.writer().maxBufferedRecords()) {
                return true;
            }
        }
        return false;
    }

    /** A full buffer: ask for a checkpoint, or wait for the one committing, whichever frees space. */
    private Mono<Void> relieve() {
        if (sealedPending.get() == 0) {
            if (!bufferTriggerSent) {
                bufferTriggerSent = true;
                run.coordinator().trigger("buffer-full");
            }
            return Mono.empty();
        }
        long seen = completedCount.get();
        return completions.asFlux().filter(count -> count > seen).next().then();
    }

    private void seal(Marker<?> marker) {
        run.meters().alignment(Duration.ofNanos(run.coordinator().elapsedNanos(marker.checkpointId())));
        List<Mono<Void>> flushes = new ArrayList<>(idempotent.size());
        for (NamedWriter<T> writer : idempotent) {
            flushes.add(timed(writer.name(), marker, writer.writer().checkpoint(marker)));
        }
        Mono<Void> commit = timed(commitPoint.name(), marker, commitPointWriter.checkpoint(marker));
        sealedPending.incrementAndGet();
        bufferTriggerSent = false;
        sealed.tryEmitNext(new Sealed(marker, recordsInCheckpoint, deadLettersInCheckpoint, flushes, commit));
        recordsInCheckpoint = 0;
        deadLettersInCheckpoint = 0;
    }

    private Mono<Void> timed(String participant, Marker<?> marker, Mono<Void> step) {
        return Mono.defer(() -> {
            long start = run.coordinator().now();
            return step.doOnSuccess(done -> {
                        long nanos = run.coordinator().now() - start;
                        run.meters().commit(participant, true, nanos);
                        COMMIT.debug(
                                "pipeline={} checkpoint={} sink={} durable in {} ms",
                                run.pipeline(),
                                marker.checkpointId(),
                                participant,
                                nanos / 1_000_000);
                    })
                    .onErrorMap(failure -> {
                        run.meters()
                                .commit(participant, false, run.coordinator().now() - start);
                        return failure instanceof CheckpointFailedException
                                ? failure
                                : new CheckpointFailedException(
                                        run.pipeline(), marker.checkpointId(), participant, failure);
                    });
        });
    }

    private Flux<CheckpointEvent> commit(Sealed checkpoint) {
        Marker<?> marker = checkpoint.marker();
        long id = marker.checkpointId();
        return Mono.when(checkpoint.flushes())
                .then(Mono.fromRunnable(() -> relayDeadLetters(id)))
                .then(reached(ProtocolPoint.AFTER_FLUSH, id))
                .then(checkpoint.commit())
                .then(reached(ProtocolPoint.AFTER_COMMIT, id))
                .then(Mono.fromCallable(() -> completed(checkpoint)))
                .flux()
                .onErrorResume(failure -> {
                    Duration elapsed = Duration.ofNanos(run.coordinator().elapsedNanos(id));
                    CheckpointEvent event = CheckpointEvent.failed(id, elapsed, checkpoint.records(), failure);
                    run.coordinator().finished(event);
                    run.meters().checkpoint(event);
                    CHECKPOINT.warn("pipeline={} checkpoint={} failed: {}", run.pipeline(), id, failure.toString());
                    return Flux.just(event).concatWith(Flux.error(failure));
                });
    }

    /**
     * Hands the commit point what the idempotent sinks could not write while they flushed checkpoint {@code id}: it
     * commits them as dead letters with that checkpoint.
     */
    private void relayDeadLetters(long id) {
        List<DeadLetter<?>> relayed = relay.take(id);
        if (!relayed.isEmpty()) {
            commitPointWriter.deadLettersOf(id, relayed);
            deadLettersRelayed.addAndGet(relayed.size());
        }
    }

    /** Tells the pipeline's protocol listener; what it throws fails the checkpoint. */
    private Mono<Void> reached(ProtocolPoint point, long checkpointId) {
        return Mono.fromRunnable(() -> run.options().protocolListener().reached(point, checkpointId));
    }

    private CheckpointEvent completed(Sealed checkpoint) {
        Marker<?> marker = checkpoint.marker();
        Duration elapsed = Duration.ofNanos(run.coordinator().elapsedNanos(marker.checkpointId()));
        CheckpointEvent event =
                CheckpointEvent.completed(marker.checkpointId(), elapsed, checkpoint.records(), marker.positions());
        run.coordinator().finished(event);
        run.meters().checkpoint(event);
        for (NamedWriter<T> writer : all) {
            run.meters().recordsOut(writer.name(), checkpoint.records());
        }
        run.meters().deadLettered(checkpoint.deadLetters() + deadLettersRelayed.getAndSet(0));
        sealedPending.decrementAndGet();
        completions.tryEmitNext(completedCount.incrementAndGet());
        run.completed(marker);
        CHECKPOINT.debug(
                "pipeline={} checkpoint={} completed records={} positions={} in {} ms",
                run.pipeline(),
                marker.checkpointId(),
                checkpoint.records(),
                marker.positions(),
                elapsed.toMillis());
        return event;
    }
}
