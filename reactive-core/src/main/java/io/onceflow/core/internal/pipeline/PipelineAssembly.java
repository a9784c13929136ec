package io.onceflow.core.internal.pipeline;

import io.onceflow.core.CommitPoint;
import io.onceflow.core.IdempotentSink;
import io.onceflow.core.PipelineConfigurationException;
import io.onceflow.core.PipelineOptions;
import io.onceflow.core.Sink;
import io.onceflow.core.Source;
import io.onceflow.core.internal.state.StateRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;

/**
 * Checks a pipeline's participants at assembly and sorts them into the commit point and the idempotent sinks.
 *
 * @param commitPoint the commit point: a sink, or the checkpoint store
 * @param commitPointTakesRecords false when the commit point is the checkpoint store
 * @param idempotent the idempotent sinks, in the order given
 */
record PipelineAssembly<R>(
        CommitPoint<? super R> commitPoint,
        boolean commitPointTakesRecords,
        List<IdempotentSink<? super R>> idempotent) {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineAssembly.class);

    /** The first operator's upstream: the current run's marker-injected source, found in the Reactor context. */
    static Flux<Object> sourcePlaceholder() {
        return Flux.deferContextual(context -> {
            RunContext run = context.getOrDefault(RunContext.class, null);
            if (run == null) {
                return Flux.error(new IllegalStateException(
                        "a pipeline's elements can only be subscribed through Pipeline.run()"));
            }
            return run.sourceElements();
        });
    }

    static <R> PipelineAssembly<R> of(
            PipelineOptions options,
            Source<?> source,
            List<? extends Sink<? super R>> sinks,
            List<String> unnamedOperators) {
        PipelineAssembly<R> assembly = of(options, sinks);
        for (Sink<? super R> sink : sinks) {
            sink.validate(options, source);
        }
        CommitPoint<?> store = options.checkpointStore();
        if (store != null) {
            store.validate(options, source);
        }
        if (assembly.commitPoint().isDurable() && !assembly.commitPoint().hasDeadLetterDestination()) {
            LOG.warn(
                    "pipeline={} has no dead-letter destination: one record that cannot be read, processed or written"
                            + " stops it with a PoisonRecordException until it is dealt with. Give the commit point '{}'"
                            + " one (Kafka: deadLetterTopic(...), PostgreSQL: deadLetterTable(...))",
                    options.name(),
                    assembly.commitPoint().name());
        }
        if (assembly.commitPoint().isDurable() && !unnamedOperators.isEmpty()) {
            throw StateRegistry.unnamed(options.name(), unnamedOperators);
        }
        return assembly;
    }

    @SuppressWarnings("unchecked")
    private static <R> PipelineAssembly<R> of(PipelineOptions options, List<? extends Sink<? super R>> sinks) {
        String pipeline = options.name();
        if (sinks.isEmpty()) {
            throw new PipelineConfigurationException("pipeline '" + pipeline + "' has no sink: give to(...) one");
        }
        Set<String> names = new HashSet<>();
        @Nullable CommitPoint<? super R> commitPoint = null;
        List<IdempotentSink<? super R>> idempotent = new ArrayList<>();
        for (Sink<? super R> sink : sinks) {
            if (!names.add(sink.name())) {
                throw new PipelineConfigurationException("pipeline '" + pipeline + "' has two sinks named '"
                        + sink.name() + "': sink names tag meters and must be distinct");
            }
            if (sink instanceof CommitPoint<?> == sink instanceof IdempotentSink<?>) {
                throw new PipelineConfigurationException("pipeline '" + pipeline + "': sink '" + sink.name() + "' must"
                        + " be either a CommitPoint or an IdempotentSink, not "
                        + (sink instanceof CommitPoint<?> ? "both" : "neither"));
            }
            if (sink instanceof CommitPoint<?> candidate) {
                if (commitPoint != null) {
                    throw new PipelineConfigurationException("pipeline '" + pipeline + "' has two commit points, '"
                            + commitPoint.name() + "' and '" + candidate.name() + "': a pipeline commits"
                            + " atomically in one place. Make '" + candidate.name() + "' an idempotent participant"
                            + " (for an R2DBC sink: idempotent() instead of commitPoint()), or write both outputs"
                            + " through one commit point.");
                }
                commitPoint = (CommitPoint<? super R>) candidate;
            } else {
                idempotent.add((IdempotentSink<? super R>) sink);
            }
        }
        CommitPoint<?> store = options.checkpointStore();
        if (commitPoint != null && store != null) {
            throw new PipelineConfigurationException("pipeline '" + pipeline + "' has a commit point, '"
                    + commitPoint.name() + "', and a checkpoint store, '" + store.name() + "': positions and state"
                    + " go to the commit point; remove checkpointStore(...)");
        }
        if (commitPoint != null) {
            return new PipelineAssembly<>(commitPoint, true, List.copyOf(idempotent));
        }
        if (store == null) {
            throw new PipelineConfigurationException("pipeline '" + pipeline + "' has no commit point: make one sink"
                    + " the commit point (R2DBC: commitPoint(); a Kafka transactional sink always is one), or, when"
                    + " every sink is idempotent, set checkpointStore(...) to record state and positions");
        }
        if (!names.add(store.name())) {
            throw new PipelineConfigurationException("pipeline '" + pipeline + "' has a sink and a checkpoint store"
                    + " both named '" + store.name() + "'");
        }
        return new PipelineAssembly<>((CommitPoint<? super R>) store, false, List.copyOf(idempotent));
    }
}
