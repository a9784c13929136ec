package io.onceflow.core;

/**
 * A participant in the checkpoint protocol that a pipeline writes its output to.
 *
 * <p>Every sink is either the pipeline's one {@link CommitPoint}, whose single atomic commit per checkpoint
 * records the output, the keyed state and the source positions, or an {@link IdempotentSink}, whose writes are
 * replay-safe. At a marker the idempotent sinks flush first and the commit point commits last; only then is the
 * checkpoint complete. A pipeline with two commit points is refused at assembly.
 *
 * @param <T> the type of the records the sink takes
 * @since 0.1
 */
public sealed interface Sink<T> permits CommitPoint, IdempotentSink {

    /** The sink's name, used in metric tags, log lines and error messages. */
    String name();
}
