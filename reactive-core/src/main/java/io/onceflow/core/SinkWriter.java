package io.onceflow.core;

import reactor.core.publisher.Mono;

/**
 * A sink's writer for one run of a pipeline: it buffers records and makes each checkpoint's records durable.
 *
 * <p>The pipeline calls the writer from one thread at a time and in stream order. {@link #write} must not block
 * and must not fail: errors surface when the checkpoint is made durable. The buffer is bounded: when
 * {@link #bufferedRecords()} reaches {@link #maxBufferedRecords()}, the pipeline asks for an early checkpoint and
 * then stops demand until a checkpoint completes and frees the buffer.
 *
 * @param <T> the type of the records
 * @since 0.1
 */
public interface SinkWriter<T> {

    /** Buffers a record of the current checkpoint. */
    void write(Data<T> record);

    /**
     * Seals the records written since the previous marker as checkpoint {@code marker.checkpointId()}, and
     * returns the step that makes them durable.
     *
     * <p>The sealing happens when this method is called: records written after the call belong to the next
     * checkpoint. The returned {@code Mono} is subscribed at most once, after the previous checkpoint's
     * {@code Mono} has completed; it may be subscribed while later records are being written.
     *
     * @param marker the checkpoint's marker, with its positions and state changes
     * @return completes when the checkpoint's records are durable; an error fails the checkpoint
     */
    Mono<Void> checkpoint(Marker<?> marker);

    /** Records buffered and not yet durable, over all open checkpoints. */
    int bufferedRecords();

    /** The buffer's bound in records. */
    int maxBufferedRecords();

    /**
     * Releases the writer's resources at the end of a run. Records not yet durable are dropped: a replay will
     * write them again.
     */
    Mono<Void> close();
}
