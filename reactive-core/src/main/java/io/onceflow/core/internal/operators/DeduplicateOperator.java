package io.onceflow.core.internal.operators;

import static io.onceflow.core.internal.operators.Elements.deadLetter;
import static io.onceflow.core.internal.operators.Elements.passThrough;
import static java.util.Objects.requireNonNull;

import io.onceflow.core.Data;
import io.onceflow.core.Deduplicate;
import io.onceflow.core.Marker;
import io.onceflow.core.StateCodecException;
import io.onceflow.core.StreamElement;
import io.onceflow.core.internal.state.SeenKeys;
import io.onceflow.core.internal.state.StateRegistry;
import io.onceflow.core.internal.state.UnownedPartitionException;
import java.time.Duration;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.SynchronousSink;

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

    /**
     * @param named whether the name was given by the user, rather than made up from the operator's position
     */
    public DeduplicateOperator(
            String name, boolean named, Function<? super T, ? extends K> keyFunction, Duration retention) {
        this.name = requireNonNull(name, "name");
        this.named = named;
        this.keyFunction = requireNonNull(keyFunction, "keyFunction");
        this.retention = requireNonNull(retention, "retention");
    }

    @Override
    public Flux<StreamElement<T>> apply(Flux<StreamElement<T>> upstream) {
        return Flux.deferContextual(context -> {
            StateRegistry registry =
                    requireNonNull(context.getOrDefault(StateRegistry.class, StateRegistry.STANDALONE));
            registry.register(new StateRegistry.StatefulOperator(name, "deduplicate operator", named));
            SeenKeys seen = new SeenKeys(name, retention, registry);
            return upstream.handle((element, sink) -> process(seen, element, sink));
        });
    }

    private void process(SeenKeys seen, StreamElement<T> element, SynchronousSink<StreamElement<T>> sink) {
        if (element instanceof Data<T> record) {
            try {
                K key = keyFunction.apply(record.value());
                if (key == null) {
                    throw new NullPointerException("the deduplication key function returned null");
                }
                seen.admit(record.origin(), key);
            } catch (StateCodecException | UnownedPartitionException stateFailure) {
                // the committed state or the partition's ownership is at fault, not this record: the run stops
                throw stateFailure;
            } catch (Throwable failure) {
                sink.next(deadLetter(record, "deduplicate:" + name, failure));
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
