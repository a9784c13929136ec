package io.onceflow.core.internal.operators;

import static io.onceflow.core.internal.operators.Elements.deadLetter;
import static io.onceflow.core.internal.operators.Elements.passThrough;
import static java.util.Objects.requireNonNull;

import io.onceflow.core.Data;
import io.onceflow.core.Marker;
import io.onceflow.core.StateCodec;
import io.onceflow.core.StateCodecException;
import io.onceflow.core.StreamElement;
import io.onceflow.core.WindowResult;
import io.onceflow.core.Windows;
import io.onceflow.core.internal.state.StateRegistry;
import io.onceflow.core.internal.state.UnownedPartitionException;
import io.onceflow.core.internal.state.WindowTable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/**
 * Event-time windows per key, on a watermark per source partition; see {@link Windows} for the semantics.
 *
 * <p>The windows of each partition live in a {@link WindowTable}, restored eagerly when the partition's first
 * record arrives (firing needs to know every open window, not only those of keys seen again). At a marker the
 * changed keys and the watermark are attached to the marker, like {@link KeyedOperator} does.
 */
public final class WindowOperator<T, K, A>
        implements Function<Flux<StreamElement<T>>, Flux<StreamElement<WindowResult<K, A>>>> {

    private final String name;
    private final boolean named;
    private final Windows windows;
    private final Function<? super T, ? extends K> keyFunction;
    private final Supplier<? extends A> initial;
    private final BiFunction<? super A, ? super T, ? extends A> add;
    private final @Nullable StateCodec<K> keyCodec;
    private final @Nullable StateCodec<A> aggregateCodec;

    /**
     * @param named whether the name was given by the user, rather than made up from the operator's position
     * @param keyCodec the declared key codec, or {@code null} for the default one
     * @param aggregateCodec the declared aggregate codec, or {@code null} for the default one
     */
    public WindowOperator(
            String name,
            boolean named,
            Windows windows,
            Function<? super T, ? extends K> keyFunction,
            Supplier<? extends A> initial,
            BiFunction<? super A, ? super T, ? extends A> add,
            @Nullable StateCodec<K> keyCodec,
            @Nullable StateCodec<A> aggregateCodec) {
        this.name = requireNonNull(name, "name");
        this.named = named;
        this.windows = requireNonNull(windows, "windows");
        this.keyFunction = requireNonNull(keyFunction, "keyFunction");
        this.initial = requireNonNull(initial, "initial");
        this.add = requireNonNull(add, "add");
        this.keyCodec = keyCodec;
        this.aggregateCodec = aggregateCodec;
    }

    @Override
    public Flux<StreamElement<WindowResult<K, A>>> apply(Flux<StreamElement<T>> upstream) {
        return Flux.deferContextual(context -> {
            StateRegistry registry =
                    requireNonNull(context.getOrDefault(StateRegistry.class, StateRegistry.STANDALONE));
            registry.register(new StateRegistry.StatefulOperator(name, "window operator", named));
            WindowTable<K, A> table =
                    new WindowTable<>(name, windows, registry, initial::get, keyCodec, aggregateCodec);
            return upstream.concatMapIterable(element -> process(table, element));
        });
    }

    private List<StreamElement<WindowResult<K, A>>> process(WindowTable<K, A> table, StreamElement<T> element) {
        if (element instanceof Marker<T> marker) {
            return List.of(marker.withStateChanges(table.drainChanges()).cast());
        }
        if (!(element instanceof Data<T> record)) {
            return List.of(passThrough(element));
        }
        List<WindowResult<K, A>> results = new ArrayList<>();
        try {
            K key = keyFunction.apply(record.value());
            if (key == null) {
                throw new NullPointerException("the key function returned null");
            }
            table.add(record.origin(), key, acc -> add.apply(acc, record.value()), results);
        } catch (StateCodecException | UnownedPartitionException stateFailure) {
            // the committed state or the partition's ownership is at fault, not this record: the run stops
            throw stateFailure;
        } catch (Throwable failure) {
            return List.of(deadLetter(record, "window:" + name, failure));
        }
        List<StreamElement<WindowResult<K, A>>> outputs = new ArrayList<>(results.size());
        for (WindowResult<K, A> result : results) {
            outputs.add(record.withValue(result));
        }
        return outputs;
    }
}
