package io.onceflow.spring;

import org.springframework.http.codec.ServerSentEvent;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;

/**
 * A pipeline's checkpoints as server-sent events, for a WebFlux controller: the recent ones first (a chart that
 * connects late is not empty), then each as it ends. Event name {@code checkpoint}, id the checkpoint id, data a
 * {@link CheckpointRecord}.
 *
 * <pre>{@code
 * @GetMapping(path = "/pipeline/checkpoints", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
 * Flux<ServerSentEvent<CheckpointRecord>> checkpoints() {
 *     return CheckpointServerSentEvents.of(runner.pipeline("ledger"));
 * }
 * }</pre>
 *
 * <p>A client that reads slower than checkpoints end loses the oldest events it has not read (at most
 * {@value #BUFFER} wait per client), never slows the pipeline down, and never holds memory without bound. The stream
 * completes when the application shuts down.
 *
 * @since 0.1
 */
public final class CheckpointServerSentEvents {

    /** The event name. */
    public static final String EVENT = "checkpoint";

    /** Events held per client that reads slower than they come. */
    static final int BUFFER = 256;

    private CheckpointServerSentEvents() {}

    /** The pipeline's checkpoints: the recent ones, then each new one. */
    public static Flux<ServerSentEvent<CheckpointRecord>> of(ManagedPipeline pipeline) {
        return pipeline.checkpoints()
                .onBackpressureBuffer(BUFFER, dropped -> {}, BufferOverflowStrategy.DROP_OLDEST)
                .map(record -> ServerSentEvent.builder(record)
                        .event(EVENT)
                        .id(Long.toString(record.id()))
                        .build());
    }
}
