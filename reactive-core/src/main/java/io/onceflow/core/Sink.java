package io.onceflow.core;

/**
 * A participant in the checkpoint protocol that a pipeline writes its output to.
 *
 * <p>Every sink is either the pipeline's one {@link CommitPoint}, whose single atomic commit per checkpoint
 * records the output, the keyed state and the source positions, or an {@link IdempotentSink}, whose writes are
 * replay-safe. At a marker the idempotent sinks flush first and the commit point commits last; only then is the
 * checkpoint complete. A pipeline with two commit points is refused at assembly, and so is a sink that is
 * both, or neither. A sink type with two modes (the R2DBC upsert sink) has one implementation per mode.
 *
 * @param <T> the type of the records the sink takes
 * @since 0.1
 */
public interface Sink<T> {

    /** The sink's name, used in metric tags, log lines and error messages. */
    String name();

    /**
     * Checks this sink's settings against the pipeline's and its source's, at assembly: timeouts that contradict each
     * other (a checkpoint interval longer than a transaction may stay open, a checkpoint timeout shorter than the
     * commit's own) would fail at run time with a less precise error, or not at all. Does nothing by default.
     *
     * @throws PipelineConfigurationException with the settings and what to change
     */
    default void validate(PipelineOptions pipeline, Source<?> source) {}
}
