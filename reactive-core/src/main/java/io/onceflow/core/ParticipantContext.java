package io.onceflow.core;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import reactor.core.scheduler.Scheduler;

/**
 * What every participant of a run is given, source and sinks alike: who runs it, where its meters go, and the time it
 * keeps. {@link SourceContext} adds the checkpoint protocol's hooks.
 *
 * @since 0.1
 */
public interface ParticipantContext {

    /** The pipeline's name. */
    String pipeline();

    /** This pipeline instance's id: stable across restarts, distinct between instances of one pipeline. */
    String instanceId();

    /** The registry for the participant's own meters; tag them with {@link #tags()}. */
    MeterRegistry meterRegistry();

    /** The tags every meter of this participant carries: {@code pipeline}, and {@code source} or {@code sink}. */
    Tags tags();

    /** The scheduler the pipeline takes its time from. */
    Scheduler scheduler();

    /**
     * The pipeline's {@link ProtocolListener}, which a participant calls at the {@link ProtocolPoint}s it reaches
     * itself. Defaults to {@link ProtocolListener#none()} for a context made outside a pipeline.
     */
    default ProtocolListener protocolListener() {
        return ProtocolListener.none();
    }
}
