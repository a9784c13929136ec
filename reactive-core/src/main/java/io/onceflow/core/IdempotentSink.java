package io.onceflow.core;

import reactor.core.publisher.Mono;

/**
 * A sink whose writes are replay-safe: writing the records of a checkpoint that did not complete, a second time,
 * changes nothing.
 *
 * <p>Idempotence is a requirement, not a hint: after a failure the pipeline replays every record since the last
 * completed checkpoint, and this sink sees them again. A version-guarded upsert keyed by the record's
 * {@link Origin} is the usual way to meet it.
 *
 * <p><strong>Commit Semantics</strong>: the writer's {@link SinkWriter#checkpoint(Marker)} makes the checkpoint's
 * records durable before the commit point commits; if the commit point then fails, the records are written again
 * on replay, with no effect.
 *
 * @param <T> the type of the records the sink takes
 * @since 0.1
 */
public interface IdempotentSink<T> extends Sink<T> {

    /**
     * Opens a writer for one run of a pipeline. Called once per run, before any record is written.
     *
     * @param context the run's pipeline name, meters and shared attributes
     * @return the writer; an error fails the run start (and goes to the restart policy when retryable)
     */
    Mono<SinkWriter<T>> open(SinkContext context);
}
