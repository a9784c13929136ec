package io.onceflow.core;

import io.micrometer.core.instrument.Tags;

/**
 * What a sink is given when the pipeline opens it for a run.
 *
 * @since 0.1
 */
public interface SinkContext extends ParticipantContext {

    /** The tags every meter of this sink carries: {@code pipeline} and {@code sink}. */
    @Override
    Tags tags();
}
