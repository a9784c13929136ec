package io.onceflow.core.internal.operators;

import static io.onceflow.core.internal.operators.Elements.deadLetter;
import static io.onceflow.core.internal.operators.Elements.passThrough;
import static java.util.Objects.requireNonNull;

import io.onceflow.core.Data;
import io.onceflow.core.KeyPartitioner;
import io.onceflow.core.KeyedProcessor;
import io.onceflow.core.Marker;
import io.onceflow.core.Origin;
import io.onceflow.core.StateCodec;
import io.onceflow.core.StateCodecException;
import io.onceflow.core.StreamElement;
import io.onceflow.core.internal.batch.Batches;
import io.onceflow.core.internal.batch.RecordBatch;
import io.onceflow.core.internal.state.KeyedStateTable;
import io.onceflow.core.internal.state.StateRegistry;
import io.onceflow.core.internal.state.UnownedPartitionException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.SynchronousSink;
import reactor.util.context.ContextView;

/**
 * Stateful processing per key, the state scoped to the source partition of each record.
 *
 * <p>Each record's key selects its state, restored from the run's {@link StateRegistry} or initial; the user's
 * function returns the new state and emits outputs with the record's origin. At a marker, the entries changed
 * since the previous marker are encoded and attached to the marker, which carries them to the commit point: the
 * state commits in the same atomic step as the output and positions of that checkpoint. The state table is
 * created per subscription, so every run of a pipeline starts from its restored state.
 *
 * <p>A failing key function, initial-state function or processor dead-letters the record and leaves its key's
 * state unchanged.
 */
public final class KeyedOperator<T, K, S, R> implements Function<Flux<StreamElement<T>>, Flux<StreamElement<R>>> {

    private final String name;
    private final boolean named;
    private final Function<? super T, ? extends K> keyFunction;
    private final Function<? super K, ? extends S> initial;
    private final @Nullable BiFunction<? super S, ? super T, ? extends S> update;
    private final @Nullable KeyedProcessor<K, S, T, R> processor;
    private final @Nullable StateCodec<S> codec;
    private @Nullable KeyPartitioner<? super K> partitioner;

    private KeyedOperator(
            String name,
            boolean named,
            Function<? super T, ? extends K> keyFunction,
            Function<? super K, ? extends S> initial,
            @Nullable BiFunction<? super S, ? super T, ? extends S> update,
            @Nullable KeyedProcessor<K, S, T, R> processor,
            @Nullable StateCodec<S> codec) {
        this.name = requireNonNull(name, "name");
        this.named = named;
        this.keyFunction = requireNonNull(keyFunction, "keyFunction");
        this.initial = requireNonNull(initial, "initial");
        this.update = update;
        this.processor = processor;
        this.codec = codec;
    }

    /**
     * One output per record: the key's new state.
     *
     * @param named whether the name was given by the user, rather than made up from the operator's position
     * @param codec the declared state codec, or {@code null} for the default one
     */
    public static <T, K, S> KeyedOperator<T, K, S, S> updating(
            String name,
            boolean named,
            Function<? super T, ? extends K> keyFunction,
            Function<? super K, ? extends S> initial,
            BiFunction<? super S, ? super T, ? extends S> update,
            @Nullable StateCodec<S> codec) {
        return new KeyedOperator<>(name, named, keyFunction, initial, requireNonNull(update, "update"), null, codec);
    }

    /** Any number of outputs per record; see {@link #updating} for the parameters. */
    public static <T, K, S, R> KeyedOperator<T, K, S, R> processing(
            String name,
            boolean named,
            Function<? super T, ? extends K> keyFunction,
            Function<? super K, ? extends S> initial,
            KeyedProcessor<K, S, T, R> processor,
            @Nullable StateCodec<S> codec) {
        return new KeyedOperator<>(
                name, named, keyFunction, initial, null, requireNonNull(processor, "processor"), codec);
    }

    /** This operator checking, with {@code keys}, that each record's key belongs to its partition. */
    public KeyedOperator<T, K, S, R> partitionedBy(@Nullable KeyPartitioner<? super K> keys) {
        this.partitioner = keys;
        return this;
    }

    @Override
    public Flux<StreamElement<R>> apply(Flux<StreamElement<T>> upstream) {
        if (update != null) {
            return updating(upstream, null);
        }
        return Flux.deferContextual(context -> {
            KeyedStateTable<K, S> table = table(context);
            return upstream.concatMapIterable(element -> processOne(table, element));
        });
    }

    /**
     * This operator with {@code steps} (a run of map, filter and handle) before it, fused into its own Reactor
     * stage when it emits one output per record: a record then costs one stage and one {@link Data} for the steps
     * and the state together, and a step's failure dead-letters the record with that step's name, its state left
     * as it was.
     */
    @SuppressWarnings("unchecked")
    public Function<Flux<StreamElement<Object>>, Flux<StreamElement<R>>> after(StatelessSteps<?, T> steps) {
        StatelessSteps<Object, T> before = (StatelessSteps<Object, T>) requireNonNull(steps, "steps");
        if (update == null) {
            return upstream -> apply(upstream.transform(before));
        }
        return upstream -> updating(upstream, before);
    }

    /**
     * The one-output-per-record stage, with {@code before}'s steps run first on each record when there are any. Over
     * the stage of a run of map, filter and handle steps ({@code Flux.transform} of them just before), that run's
     * steps join {@code before} in this stage (see {@link SteppedFlux}).
     */
    @SuppressWarnings("unchecked")
    private Flux<StreamElement<R>> updating(
            Flux<? extends StreamElement<?>> upstream, @Nullable StatelessSteps<Object, T> before) {
        if (upstream instanceof SteppedFlux<?> stepped) {
            StatelessSteps<Object, Object> joined = (StatelessSteps<Object, Object>) stepped.runOfSteps();
            return updating(
                    stepped.upstream(),
                    before == null ? (StatelessSteps<Object, T>) (StatelessSteps<?, ?>) joined : joined.then(before));
        }
        return Flux.deferContextual(context -> {
            KeyedStateTable<K, S> table = table(context);
            return upstream.handle((element, sink) -> updateOne(table, before, element, sink));
        });
    }

    /**
     * This operator's stage over a stream that may carry {@link RecordBatch}es, with {@code steps} (a run of map,
     * filter and handle, or none) before it in the same stage. One output per record: each batch is rewritten in
     * place, every record's slot taking the key's new state (or the record's dead letter). Any number per record: a
     * batch of the outputs, each with its record's offset, a failing record's dead letter in its place.
     */
    @SuppressWarnings("unchecked")
    public Function<Flux<?>, Flux<Object>> batched(@Nullable StatelessSteps<?, T> steps) {
        StatelessSteps<Object, T> before = (StatelessSteps<Object, T>) steps;
        if (update == null) {
            return upstream -> Flux.deferContextual(context -> {
                KeyedStateTable<K, S> table = table(context);
                List<R> outputs = new ArrayList<>();
                Flux<Object> records = before == null ? (Flux<Object>) upstream : before.batchedOver(upstream);
                return records.concatMapIterable(
                        element -> element instanceof RecordBatch<?> batch
                                ? processBatch(table, batch, outputs)
                                : processOne(table, (StreamElement<T>) element),
                        Batches.UNBATCH_PREFETCH);
            });
        }
        return upstream -> Flux.deferContextual(context -> {
            KeyedStateTable<K, S> table = table(context);
            return ((Flux<Object>) upstream).handle((element, sink) -> {
                if (element instanceof RecordBatch<?> batch) {
                    updateBatch(table, before, batch, sink);
                } else {
                    updateOne(table, before, (StreamElement<?>) element, (SynchronousSink<StreamElement<R>>)
                            (SynchronousSink<?>) sink);
                }
            });
        });
    }

    @SuppressWarnings("unchecked")
    private void updateBatch(
            KeyedStateTable<K, S> table,
            @Nullable StatelessSteps<Object, T> before,
            RecordBatch<?> batch,
            SynchronousSink<Object> sink) {
        BiFunction<? super S, ? super T, ? extends S> updating = requireNonNull(update, "update");
        batch.beginRewrite();
        for (int i = 0, size = batch.size(); i < size; i++) {
            if (batch.isDeadLetter(i)) {
                batch.keepAsIs(i);
                continue;
            }
            Object input = before == null ? batch.value(i) : before.valueAt(batch, i, sink);
            if (input == null) {
                continue; // filtered out or dead-lettered by a step before this one
            }
            T value = (T) input;
            S next;
            KeyedStateTable.Entry<K, S> entry;
            try {
                entry = table.entry(batch, i, keyOf(value));
                next = updating.apply(entry.value(), value);
                if (next == null) {
                    throw new NullPointerException("the keyed update function returned null");
                }
            } catch (StateCodecException | UnownedPartitionException stateFailure) {
                // the committed state or the partition's ownership is at fault, not this record: the run stops
                throw stateFailure;
            } catch (Throwable failure) {
                batch.keepDeadLetter(i, deadLetter(batch.origin(i), stage(), value, failure));
                continue;
            }
            table.update(entry, next);
            batch.keep(i, next);
        }
        if (!batch.endRewrite().isEmpty()) {
            sink.next(batch);
        }
    }

    /** The operator's state for one run; registering it there refuses a second operator of the same name. */
    private KeyedStateTable<K, S> table(ContextView context) {
        StateRegistry registry = requireNonNull(context.getOrDefault(StateRegistry.class, StateRegistry.STANDALONE));
        registry.register(new StateRegistry.StatefulOperator(name, "keyed operator", named));
        return new KeyedStateTable<>(name, registry, initial, codec, partitioner);
    }

    @SuppressWarnings("unchecked")
    private void updateOne(
            KeyedStateTable<K, S> table,
            @Nullable StatelessSteps<Object, T> before,
            StreamElement<?> element,
            SynchronousSink<StreamElement<R>> sink) {
        if (element instanceof Data<?> record) {
            Object input = before == null ? record.value() : before.valueOf(record, sink);
            if (input == null) {
                return; // filtered out or dead-lettered by a step before this one
            }
            T value = (T) input;
            Origin origin = record.origin();
            S next;
            KeyedStateTable.Entry<K, S> entry;
            try {
                entry = table.entry(origin, keyOf(value));
                next = requireNonNull(update, "update").apply(entry.value(), value);
                if (next == null) {
                    throw new NullPointerException("the keyed update function returned null");
                }
            } catch (StateCodecException | UnownedPartitionException stateFailure) {
                // the committed state or the partition's ownership is at fault, not this record: the run stops
                throw stateFailure;
            } catch (Throwable failure) {
                sink.next(deadLetter(origin, stage(), value, failure));
                return;
            }
            table.update(entry, next);
            sink.next(new Data<>((R) next, origin));
        } else if (element instanceof Marker<?> marker) {
            sink.next(marker.withStateChanges(table.drainChanges()).cast());
        } else {
            sink.next(passThrough(element));
        }
    }

    /**
     * A batch of what the processor emits for each record of {@code batch}, in order, each output with its record's
     * offset; a failing record's dead letter in its place, its outputs dropped with it. Nothing when it emits nothing.
     */
    @SuppressWarnings("unchecked")
    private List<Object> processBatch(KeyedStateTable<K, S> table, RecordBatch<?> batch, List<R> outputs) {
        KeyedProcessor<K, S, T, R> processing = requireNonNull(processor, "processor");
        RecordBatch<R> emitted = new RecordBatch<>(batch.source(), batch.partition(), batch.size());
        for (int i = 0, size = batch.size(); i < size; i++) {
            if (batch.isDeadLetter(i)) {
                emitted.addDeadLetter(batch.deadLetter(i));
                continue;
            }
            T value = (T) batch.value(i);
            outputs.clear();
            S next;
            KeyedStateTable.Entry<K, S> entry;
            try {
                K key = keyOf(value);
                entry = table.entry(batch, i, key);
                next = processing.process(
                        key,
                        entry.value(),
                        value,
                        output -> outputs.add(requireNonNull(output, "a keyed processor emitted null")));
            } catch (StateCodecException | UnownedPartitionException stateFailure) {
                // the committed state or the partition's ownership is at fault, not this record: the run stops
                throw stateFailure;
            } catch (Throwable failure) {
                // outputs of a failed record are dropped with it: its dead letter is its only effect
                emitted.addDeadLetter(deadLetter(batch.origin(i), stage(), value, failure));
                continue;
            }
            table.update(entry, next);
            for (R output : outputs) {
                emitted.add(output, batch.offset(i), batch.timestamp(i));
            }
        }
        return emitted.isEmpty() ? List.of() : List.of(emitted);
    }

    private List<StreamElement<R>> processOne(KeyedStateTable<K, S> table, StreamElement<T> element) {
        if (element instanceof Data<T> record) {
            List<StreamElement<R>> outputs = new ArrayList<>(1);
            S next;
            KeyedStateTable.Entry<K, S> entry;
            try {
                K key = keyOf(record.value());
                entry = table.entry(record.origin(), key);
                next = requireNonNull(processor, "processor")
                        .process(
                                key,
                                entry.value(),
                                record.value(),
                                output -> outputs.add(
                                        record.withValue(requireNonNull(output, "a keyed processor emitted null"))));
            } catch (StateCodecException | UnownedPartitionException stateFailure) {
                // the committed state or the partition's ownership is at fault, not this record: the run stops
                throw stateFailure;
            } catch (Throwable failure) {
                // outputs of a failed record are dropped with it: its dead letter is its only effect
                return List.of(deadLetter(record, stage(), failure));
            }
            table.update(entry, next);
            return outputs;
        }
        if (element instanceof Marker<T> marker) {
            return List.of(marker.withStateChanges(table.drainChanges()).cast());
        }
        return List.of(passThrough(element));
    }

    private K keyOf(T value) {
        K key = keyFunction.apply(value);
        if (key == null) {
            throw new NullPointerException("the key function returned null");
        }
        return key;
    }

    private String stage() {
        return "keyed:" + name;
    }
}
