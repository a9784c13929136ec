package io.onceflow.core.internal.pipeline;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.OnceflowMeters;
import io.onceflow.core.PipelineOptions;
import io.onceflow.core.ProtocolListener;
import io.onceflow.core.SinkContext;
import reactor.core.scheduler.Scheduler;

/** What the pipeline hands a sink when it opens it for a run. */
record DefaultSinkContext(
        PipelineOptions options, Scheduler scheduler, PipelineMeters meters, String sink, DeadLetterRelay deadLetters)
        implements SinkContext {

    @Override
    public boolean acceptsDeadLetters() {
        return deadLetters.accepts();
    }

    @Override
    public void deadLetter(long checkpointId, DeadLetter<?> deadLetter) {
        deadLetters.add(checkpointId, deadLetter);
    }

    @Override
    public String pipeline() {
        return options.name();
    }

    @Override
    public String instanceId() {
        return options.instanceId();
    }

    @Override
    public MeterRegistry meterRegistry() {
        return meters.registry();
    }

    @Override
    public Tags tags() {
        return meters.tags().and(OnceflowMeters.TAG_SINK, sink);
    }

    @Override
    public ProtocolListener protocolListener() {
        return options.protocolListener();
    }
}
