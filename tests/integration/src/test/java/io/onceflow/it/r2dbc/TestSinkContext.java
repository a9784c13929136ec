package io.onceflow.it.r2dbc;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.OnceflowMeters;
import io.onceflow.core.SinkContext;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** A sink context for driving a sink's writer directly, without a pipeline: one owner of a commit point. */
record TestSinkContext(String pipeline, String instanceId, MeterRegistry meterRegistry, String sink)
        implements SinkContext {

    static TestSinkContext of(String pipeline, String instanceId, String sink) {
        return new TestSinkContext(pipeline, instanceId, new SimpleMeterRegistry(), sink);
    }

    @Override
    public Tags tags() {
        return Tags.of(OnceflowMeters.TAG_PIPELINE, pipeline, OnceflowMeters.TAG_SINK, sink);
    }

    @Override
    public Scheduler scheduler() {
        return Schedulers.parallel();
    }
}
