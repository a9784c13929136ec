package io.onceflow.core;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.internal.batch.Batches;
import io.onceflow.core.internal.operators.StatelessSteps;
import io.onceflow.core.internal.pipeline.DefaultPipeline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.SynchronousSink;

/**
 * A stream of record values with checkpoint markers in-band: ordinary Reactor operators over the values, each
 * keeping the marker contract.
 *
 * <pre>
 *   from(source) ─▶ map ─▶ filter ─▶ deduplicate ─▶ keyed ─▶ to(sink)
 *   d1 d2 [M1] d3 ...  markers pass every operator in order; outputs keep their record's origin
 * </pre>
 *
 * <p>Immutable: each operator returns a new {@code CheckpointedFlux}. One that starts from
 * {@link PipelineBuilder#from} ends with {@link #to}, which assembles a {@link Pipeline}; one made with
 * {@link #of(Flux)} wraps any {@code Flux<StreamElement<T>>} (a test's, for instance) and is unwrapped with
 * {@link #elements()}. Every operator is also in {@link Checkpointed}, for {@link Flux#transform}.
 *
 * <p>Map, filter and handle that follow each other run as one Reactor stage, and inside the next keyed update's stage
 * when one follows, so a record pays for one stage and one {@link Data} for the whole run. {@code Flux.transform} of
 * the {@link Checkpointed} functions, one right after the other, joins the same way.
 *
 * <p>In a pipeline, the records a source reads together (a Kafka poll's records of one partition) travel as one
 * element from the source to the sinks through {@code map}, {@code filter}, {@code handle}, {@code keyed} and
 * {@code deduplicate}: a record then costs no {@link Data} and no {@link Origin} of its own until something asks for
 * it (a dead letter, a sink). Nothing else changes: each record meets the same functions in the same order, a failing
 * one becomes its dead letter in its place, and markers still pass between records, never inside a batch. Where the
 * chain hands its stream to code that sees elements ({@link #elements()}, {@link #transform}, {@code flatMap}, a
 * window), the batches become one element per record again.
 *
 * <p><strong>Error Mode Support</strong>: a user function that throws turns its record into a {@link DeadLetter},
 * committed with its checkpoint to the commit point's dead-letter destination; without one, the pipeline stops
 * with a {@link PoisonRecordException} naming the record's origin.
 *
 * @param <T> the type of the record values
 * @since 0.1
 */
public final class CheckpointedFlux<T> {

    // map, filter and handle that follow each other are fused into one Reactor stage: `pending` holds them until
    // another operator (or elements()) needs the stream, so a run of them costs one stage and one Data per record
    private final Flux<?> base;
    // whether base may carry batches of records (RecordBatch) between the markers, as a pipeline's source stage emits
    // them: the operators that take them run over base as it is, and everything else (elements(), a transform, a
    // window) sees one element per record
    private final boolean batched;
    private final @Nullable StatelessSteps<?, T> pending;
    private final @Nullable PipelineOptions options;
    private final @Nullable Source<?> source;
    private final StatefulOperators stateful;

    static {
        Batches.access(new Batches.Access() {
            @Override
            public <T> CheckpointedFlux<T> batched(Flux<?> elements) {
                return new CheckpointedFlux<>(elements, true, null, null, null, StatefulOperators.NONE);
            }

            @Override
            public Flux<?> stream(CheckpointedFlux<?> flux) {
                return flux.stream();
            }
        });
    }

    private CheckpointedFlux(
            Flux<?> base,
            boolean batched,
            @Nullable StatelessSteps<?, T> pending,
            @Nullable PipelineOptions options,
            @Nullable Source<?> source,
            StatefulOperators stateful) {
        this.base = base;
        this.batched = batched;
        this.pending = pending;
        this.options = options;
        this.source = source;
        this.stateful = stateful;
    }

    /** Wraps a stream of elements; such a flux cannot end with {@link #to}. */
    public static <T> CheckpointedFlux<T> of(Flux<StreamElement<T>> elements) {
        return new CheckpointedFlux<>(
                requireNonNull(elements, "elements"), false, null, null, null, StatefulOperators.NONE);
    }

    static <T> CheckpointedFlux<T> fromSource(PipelineOptions options, Source<T> source) {
        return new CheckpointedFlux<T>(
                DefaultPipeline.sourcePlaceholder(), true, null, options, source, StatefulOperators.NONE);
    }

    /** The elements, markers included: one element per record. */
    @SuppressWarnings("unchecked")
    public Flux<StreamElement<T>> elements() {
        return batched ? Batches.unbatched(stream()) : (Flux<StreamElement<T>>) stream();
    }

    /** The stream as the pipeline runs it: with batches of records where the source stage made them. */
    @SuppressWarnings("unchecked")
    private Flux<?> stream() {
        if (pending == null) {
            return base;
        }
        StatelessSteps<Object, T> steps = (StatelessSteps<Object, T>) pending;
        return batched ? steps.batchedOver(base) : ((Flux<StreamElement<Object>>) base).transform(steps);
    }

    /** Transforms each value. See {@link Checkpointed#map}. */
    public <R> CheckpointedFlux<R> map(Function<? super T, ? extends R> mapper) {
        return fuse(StatelessSteps.map(mapper));
    }

    /** Keeps the values that match. See {@link Checkpointed#filter}. */
    public CheckpointedFlux<T> filter(Predicate<? super T> predicate) {
        return fuse(StatelessSteps.filter(predicate));
    }

    /** Emits zero or one value per record. See {@link Checkpointed#handle}. */
    public <R> CheckpointedFlux<R> handle(BiConsumer<? super T, SynchronousSink<R>> handler) {
        return fuse(StatelessSteps.handle(handler));
    }

    @SuppressWarnings("unchecked")
    private <R> CheckpointedFlux<R> fuse(StatelessSteps<T, R> step) {
        StatelessSteps<?, R> steps = pending == null ? step : ((StatelessSteps<Object, T>) pending).then(step);
        return new CheckpointedFlux<>(base, batched, steps, options, source, stateful);
    }

    /** Asynchronous work per record, up to {@code concurrency} at once. See {@link Checkpointed#flatMap}. */
    public <R> CheckpointedFlux<R> flatMap(
            Function<? super T, ? extends Publisher<? extends R>> mapper, int concurrency) {
        return transform(Checkpointed.flatMap(mapper, concurrency));
    }

    /** Asynchronous work per record, one at a time, in order. See {@link Checkpointed#concatMap}. */
    public <R> CheckpointedFlux<R> concatMap(Function<? super T, ? extends Publisher<? extends R>> mapper) {
        return transform(Checkpointed.concatMap(mapper));
    }

    /**
     * State per key, emitting the key's new state for each record, in an operator called {@code name}: see
     * {@link Keyed}. The name identifies the state in the commit point; keep it stable across versions.
     *
     * @param name the operator's name, distinct from the pipeline's other stateful operators
     * @param key the key of a value
     * @param initial the state of a key seen for the first time
     * @param update the new state from the current one and a value
     */
    public <K, S> CheckpointedFlux<S> keyed(
            String name,
            Function<? super T, ? extends K> key,
            Function<? super K, ? extends S> initial,
            BiFunction<? super S, ? super T, ? extends S> update) {
        return keyed(Keyed.update(key, initial, update).named(name));
    }

    /**
     * State per key, emitting the key's new state for each record, in an unnamed operator: for pipelines whose
     * commit point is not durable (a test's in-memory one). See {@link #keyed(String, Function, Function,
     * BiFunction)}.
     */
    public <K, S> CheckpointedFlux<S> keyed(
            Function<? super T, ? extends K> key,
            Function<? super K, ? extends S> initial,
            BiFunction<? super S, ? super T, ? extends S> update) {
        return keyed(Keyed.update(key, initial, update));
    }

    /**
     * A keyed operator. One without a name is called {@code keyed-<n>} by its position in the chain, which a pipeline
     * with a durable commit point refuses (see {@link Keyed#named}).
     *
     * @throws PipelineConfigurationException when another stateful operator of the chain has the same name
     */
    @SuppressWarnings("unchecked")
    public <R> CheckpointedFlux<R> keyed(Keyed<T, ?, ?, R> operator) {
        requireNonNull(operator, "operator");
        Keyed<T, ?, ?, R> named =
                operator.name() != null ? operator : operator.positionallyNamed("keyed-" + stateful.count());
        StatefulOperators next = stateful.with(requireNonNull(named.name()), named.isNamed(), options);
        if (batched) {
            // the pending steps and the state in one stage, a batch of records at a time
            return new CheckpointedFlux<>(named.batched(pending).apply(base), true, null, options, source, next);
        }
        Flux<StreamElement<R>> keyed = pending == null
                ? elements().transform(named)
                // the pending steps run inside the keyed operator's stage: one stage and one Data per record fewer
                : ((Flux<StreamElement<Object>>) base).transform(named.after(pending));
        return new CheckpointedFlux<>(keyed, false, null, options, source, next);
    }

    /**
     * Aggregates values per key in event-time windows. See {@link Windows} and {@link WindowAggregate}; the operator
     * is named after {@link Windows#named}, and is called {@code window-<n>} by its position otherwise.
     */
    public <K, A> CheckpointedFlux<WindowResult<K, A>> window(
            Windows windows,
            Function<? super T, ? extends K> key,
            Supplier<? extends A> initial,
            BiFunction<? super A, ? super T, ? extends A> add) {
        return window(WindowAggregate.of(windows, key, initial, add));
    }

    /**
     * A window aggregation; one without a name is called {@code window-<n>} by its position in the chain, which a
     * pipeline with a durable commit point refuses.
     *
     * @throws PipelineConfigurationException when another stateful operator of the chain has the same name
     */
    public <K, A> CheckpointedFlux<WindowResult<K, A>> window(WindowAggregate<T, K, A> aggregate) {
        requireNonNull(aggregate, "aggregate");
        WindowAggregate<T, K, A> named =
                aggregate.name() != null ? aggregate : aggregate.positionallyNamed("window-" + stateful.count());
        StatefulOperators next = stateful.with(requireNonNull(named.name()), named.isNamed(), options);
        return new CheckpointedFlux<>(elements().transform(named), false, null, options, source, next);
    }

    /**
     * Lets the first record of each key through and dead-letters the others within {@code retention} of event time,
     * in an operator called {@code name}: see {@link Deduplicate}. The name identifies the remembered keys in the
     * commit point; keep it stable across versions.
     *
     * @param name the operator's name, distinct from the pipeline's other stateful operators
     * @param key the deduplication key of a value
     * @param retention how long after its first record a key is remembered, in event time
     */
    public <K> CheckpointedFlux<T> deduplicate(String name, Function<? super T, ? extends K> key, Duration retention) {
        return deduplicate(Deduplicate.<T, K>by(key, retention).named(name));
    }

    /**
     * Lets the first record of each key through and dead-letters the others within {@code retention} of event time,
     * in an unnamed operator called {@code deduplicate-<n>} by its position: for pipelines whose commit point is not
     * durable (a test's in-memory one). See {@link #deduplicate(String, Function, Duration)}.
     */
    public <K> CheckpointedFlux<T> deduplicate(Function<? super T, ? extends K> key, Duration retention) {
        return deduplicate(Deduplicate.<T, K>by(key, retention));
    }

    /**
     * A deduplicate operator; one without a name is called {@code deduplicate-<n>} by its position in the chain,
     * which a pipeline with a durable commit point refuses.
     *
     * @throws PipelineConfigurationException when another stateful operator of the chain has the same name
     */
    public CheckpointedFlux<T> deduplicate(Deduplicate<T, ?> operator) {
        requireNonNull(operator, "operator");
        Deduplicate<T, ?> named =
                operator.name() != null ? operator : operator.positionallyNamed("deduplicate-" + stateful.count());
        StatefulOperators next = stateful.with(requireNonNull(named.name()), named.isNamed(), options);
        if (batched) {
            return new CheckpointedFlux<>(named.batchedOver(stream()), true, null, options, source, next);
        }
        return new CheckpointedFlux<>(elements().transform(named), false, null, options, source, next);
    }

    /**
     * Applies a marker-aware operator over the elements. The operator must keep the marker contract: pass
     * markers in order, and nothing derived from a record after a marker before it.
     */
    public <R> CheckpointedFlux<R> transform(
            Function<? super Flux<StreamElement<T>>, ? extends Publisher<StreamElement<R>>> operator) {
        requireNonNull(operator, "operator");
        return new CheckpointedFlux<>(elements().transform(operator), false, null, options, source, stateful);
    }

    /**
     * Assembles the pipeline, writing every record to each sink. Exactly one sink must be a {@link CommitPoint},
     * or the pipeline must have a checkpoint store and only {@link IdempotentSink}s.
     *
     * @throws PipelineConfigurationException with what to change, when the participants do not fit
     * @throws IllegalStateException when this flux was not started with {@link PipelineBuilder#from}
     */
    @SafeVarargs
    public final Pipeline to(Sink<? super T> sink, Sink<? super T>... more) {
        List<Sink<? super T>> sinks = new ArrayList<>(1 + more.length);
        sinks.add(requireNonNull(sink, "sink"));
        for (Sink<? super T> other : more) {
            sinks.add(requireNonNull(other, "sink"));
        }
        return to(sinks);
    }

    /** Assembles the pipeline; see {@link #to(Sink, Sink[])}. */
    public Pipeline to(List<? extends Sink<? super T>> sinks) {
        requireNonNull(sinks, "sinks");
        if (options == null || source == null) {
            throw new IllegalStateException(
                    "to(...) assembles a pipeline: start with Onceflow.pipeline(name).from(source)");
        }
        return DefaultPipeline.create(options, source, stream(), sinks, stateful.unnamed());
    }

    /** The stateful operators of a chain so far: their names, checked distinct, and those made up by position. */
    private record StatefulOperators(List<String> names, List<String> unnamed) {

        static final StatefulOperators NONE = new StatefulOperators(List.of(), List.of());

        int count() {
            return names.size();
        }

        StatefulOperators with(String name, boolean named, @Nullable PipelineOptions options) {
            if (names.contains(name)) {
                throw new PipelineConfigurationException("pipeline '" + (options != null ? options.name() : "?")
                        + "' has two stateful operators named '" + name + "': each keeps its state under its name,"
                        + " so they would share it (and one would restore the other's). Give each a name of its own,"
                        + " stable across versions: keyed(\"balances\", ...), Keyed...named(\"...\"),"
                        + " WindowAggregate...named(\"...\"), deduplicate(\"...\", ...)");
            }
            List<String> allNames = new ArrayList<>(names);
            allNames.add(name);
            List<String> allUnnamed = new ArrayList<>(unnamed);
            if (!named) {
                allUnnamed.add(name);
            }
            return new StatefulOperators(List.copyOf(allNames), List.copyOf(allUnnamed));
        }
    }
}
