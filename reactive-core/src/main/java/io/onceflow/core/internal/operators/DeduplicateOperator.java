package io.onceflow.core.internal.operators;

import static io.onceflow.core.internal.operators.Elements.deadLetter;
import static io.onceflow.core.internal.operators.Elements.passThrough;
import static java.util.Objects.requireNonNull;

import io.onceflow.core.Data;
import io.onceflow.core.Deduplicate;
import io.onceflow.core.Marker;
import io.onceflow.core.StateCodecException;
import io.onceflow.core.StreamElement;
import io.onceflow.core.internal.batch.RecordBatch;
import io.onceflow.core.internal.state.SeenKeys;
import io.onceflow.core.internal.state.StateRegistry;
import io.onceflow.core.internal.state.UnownedPartitionException;
import java.time.Duration;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.SynchronousSink;
import reactor.util.context.ContextView;

/**
 * One record per key within a retention of event time; see {@link Deduplicate} for the semantics.
 *
 * <p>One output per input element: a record passes as it is, or becomes its dead letter (a duplicate, a late record,
 * a failing key function); a marker leaves with the keys remembered and forgotten since the previous one, which the
 * {@link SeenKeys} of the run keeps per source partition. The state is created per subscription, so every run starts
 * from its restored keys.
 */
public final class DeduplicateOperator<T, K> implements Function<Flux<StreamElement<T>>, Flux<StreamElement<T>>> {

    private final String name;
    private final boolean named;
    private final Function<? super T, ? extends K> keyFunction;
    private final Duration retention;
    private final long maxAheadMillis;

    /**
     * @param named whether the name was given by the user, rather than made up from the operator's position
     */
    public DeduplicateOperator(
            String name,
            boolean named,
            Function<? super T, ? extends K> keyFunction,
            Duration retention,
            long maxAheadMillis) {
        this.name = requireNonNull(name, "name");
        this.named = named;
        this.keyFunction = requireNonNull(keyFunction, "keyFunction");
        this.retention = requireNonNull(retention, "retention");
        this.maxAheadMillis = maxAheadMillis;
    }

    @Override
    public Flux<StreamElement<T>> apply(Flux<StreamElement<T>> upstream) {
        return Flux.deferContextual(context -> {
            SeenKeys seen = seenKeys(context);
            return upstream.handle((element, sink) -> process(seen, element, sink));
        });
    }

    /**
     * The operator over a stream that may carry {@link RecordBatch}es: a batch is rewritten in place, a record kept
     * or replaced by its dead letter, in its place.
     */
    @SuppressWarnings("unchecked")
    public Flux<Object> batchedOver(Flux<?> upstream) {
        return Flux.deferContextual(context -> {
            SeenKeys seen = seenKeys(context);
            return ((Flux<Object>) upstream).handle((element, sink) -> {
                if (element instanceof RecordBatch<?> batch) {
                    processBatch(seen, batch, sink);
                } else {
                    process(seen, (StreamElement<T>) element, (SynchronousSink<StreamElement<T>>)
                            (SynchronousSink<?>) sink);
                }
            });
        });
    }

    /** The operator's remembered keys for one run; registering them refuses a second operator of the same name. */
    private SeenKeys seenKeys(ContextView context) {
        StateRegistry registry = requireNonNull(context.getOrDefault(StateRegistry.class, StateRegistry.STANDALONE));
        registry.register(new StateRegistry.StatefulOperator(name, "deduplicate operator", named));
        return new SeenKeys(name, retention, maxAheadMillis, registry);
    }

    @SuppressWarnings("unchecked")
    private void processBatch(SeenKeys seen, RecordBatch<?> batch, SynchronousSink<Object> sink) {
        batch.beginRewrite();
        for (int i = 0, size = batch.size(); i < size; i++) {
            if (!batch.isDeadLetter(i)) {
                T value = (T) batch.value(i);
                try {
                    seen.admit(batch, i, keyOf(value));
                } catch (StateCodecException | UnownedPartitionException stateFailure) {
                    throw stateFailure; // as for one record at a time
                } catch (Throwable failure) {
                    batch.keepDeadLetter(i, deadLetter(batch.origin(i), stage(), value, failure));
                    continue;
                }
            }
            batch.keepAsIs(i);
        }
        if (!batch.endRewrite().isEmpty()) {
            sink.next(batch);
        }
    }

    private K keyOf(T value) {
        K key = keyFunction.apply(value);
        if (key == null) {
            throw new NullPointerException("the deduplication key function returned null");
        }
        return key;
    }

    private String stage() {
        return "deduplicate:" + name;
    }

    private void process(SeenKeys seen, StreamElement<T> element, SynchronousSink<StreamElement<T>> sink) {
        if (element instanceof Data<T> record) {
            try {
                seen.admit(record.origin(), keyOf(record.value()));
            } catch (StateCodecException | UnownedPartitionException stateFailure) {
                // the committed state or the partition's ownership is at fault, not this record: the run stops
                throw stateFailure;
            } catch (Throwable failure) {
                sink.next(deadLetter(record, stage(), failure));
                return;
            }
            sink.next(record);
        } else if (element instanceof Marker<T> marker) {
            sink.next(marker.withStateChanges(seen.drainChanges()));
        } else {
            sink.next(passThrough(element));
        }
    }
}
