package io.onceflow.core;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.internal.operators.WindowOperator;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/**
 * An aggregation of record values per key in event-time {@link Windows}, as an operator: its name, and how its keys
 * and aggregates are encoded for the commit point.
 *
 * <pre>
 *   in:   a@0:10  a@30:5  b@50:1  a@70:2        (tumbling 60 s windows, watermark = highest timestamp)
 *   out:                                 a[0,60)=15  b[0,60)=1    fired when the watermark passes 60 s
 * </pre>
 *
 * <p>The open windows of each key are state, scoped to the source partition like {@link Keyed}'s, and committed
 * with the checkpoint that changed them; a restart restores them before the partition's first record. Keys and
 * aggregates go through a {@link StateCodec}: JSON by default, bound to the declared {@link #keyType} and
 * {@link #aggregateType} or else to the classes of the first key and of the initial aggregate (see
 * {@link StateType} for what each costs).
 *
 * <p><strong>Error Mode Support</strong>: a failing key or aggregate function dead-letters its record; a record
 * late beyond the allowed lateness is dead-lettered as late; so is a record whose key the key codec cannot encode, or
 * whose stored form UTF-8 cannot hold, when the key opens its first window ({@link KeyEncodingException}). An
 * aggregate that cannot be encoded, or state that no longer decodes, stops the run with a
 * {@link StateCodecException}.
 *
 * <p><strong>Commit Semantics</strong>: window state and the results it emitted commit atomically with the
 * checkpoint that caused them; a replay emits the same results again only where they were not committed.
 *
 * <pre>{@code
 * flux.window(WindowAggregate.of(Windows.tumbling(Duration.ofMinutes(1)), Payment::account, Totals::empty,
 *                 Totals::add)
 *         .named("minute-totals")
 *         .aggregateType(Totals.class))
 * }</pre>
 *
 * @param <T> the input type
 * @param <K> the key type
 * @param <A> the aggregate type
 * @since 0.2
 */
public final class WindowAggregate<T, K, A>
        implements Function<Flux<StreamElement<T>>, Flux<StreamElement<WindowResult<K, A>>>> {

    /** The name of a window operator that was given none outside a {@link CheckpointedFlux}. */
    public static final String DEFAULT_NAME = "window";

    private final Windows windows;
    private final Function<? super T, ? extends K> key;
    private final Supplier<? extends A> initial;
    private final BiFunction<? super A, ? super T, ? extends A> add;
    private final @Nullable String name;
    private final boolean named;
    private final @Nullable StateCodec<K> keyCodec;
    private final @Nullable StateCodec<A> aggregateCodec;

    private WindowAggregate(
            Windows windows,
            Function<? super T, ? extends K> key,
            Supplier<? extends A> initial,
            BiFunction<? super A, ? super T, ? extends A> add,
            @Nullable String name,
            boolean named,
            @Nullable StateCodec<K> keyCodec,
            @Nullable StateCodec<A> aggregateCodec) {
        this.windows = requireNonNull(windows, "windows");
        this.key = requireNonNull(key, "key");
        this.initial = requireNonNull(initial, "initial");
        this.add = requireNonNull(add, "add");
        this.name = name;
        this.named = named;
        this.keyCodec = keyCodec;
        this.aggregateCodec = aggregateCodec;
    }

    /**
     * Aggregates per key in {@code windows}; named after {@link Windows#named} when it has a name.
     *
     * @param windows the windows, lateness and watermark
     * @param key the key of a record value
     * @param initial a new window's empty aggregate
     * @param add the aggregate with one more record value
     */
    public static <T, K, A> WindowAggregate<T, K, A> of(
            Windows windows,
            Function<? super T, ? extends K> key,
            Supplier<? extends A> initial,
            BiFunction<? super A, ? super T, ? extends A> add) {
        requireNonNull(windows, "windows");
        return new WindowAggregate<>(windows, key, initial, add, windows.name(), windows.name() != null, null, null);
    }

    /**
     * This operator with a name, which identifies its state in the commit point: stable across versions, distinct
     * from the pipeline's other stateful operators, and required when the commit point is durable. See
     * {@link Keyed#named}.
     */
    public WindowAggregate<T, K, A> named(String operatorName) {
        return new WindowAggregate<>(
                windows.named(operatorName), key, initial, add, operatorName, true, keyCodec, aggregateCodec);
    }

    WindowAggregate<T, K, A> positionallyNamed(String positionalName) {
        return new WindowAggregate<>(
                windows.named(positionalName), key, initial, add, positionalName, false, keyCodec, aggregateCodec);
    }

    /** This operator with the declared type of its keys. See {@link StateType}. */
    public WindowAggregate<T, K, A> keyType(StateType<K> type) {
        return keyCodec(StateCodec.json(requireNonNull(type, "type")));
    }

    /** This operator with a codec of its own for its keys. */
    public WindowAggregate<T, K, A> keyCodec(StateCodec<K> codec) {
        return new WindowAggregate<>(
                windows, key, initial, add, name, named, requireNonNull(codec, "codec"), aggregateCodec);
    }

    /** This operator with the declared type of its aggregates. See {@link StateType}. */
    public WindowAggregate<T, K, A> aggregateType(StateType<A> type) {
        return aggregateCodec(StateCodec.json(requireNonNull(type, "type")));
    }

    /** This operator with the declared class of its aggregates. See {@link StateType}. */
    public WindowAggregate<T, K, A> aggregateType(Class<A> type) {
        return aggregateType(StateType.of(type));
    }

    /** This operator with a codec of its own for its aggregates. */
    public WindowAggregate<T, K, A> aggregateCodec(StateCodec<A> codec) {
        return new WindowAggregate<>(windows, key, initial, add, name, named, keyCodec, requireNonNull(codec, "codec"));
    }

    /** The operator's name, if it has one yet. */
    public @Nullable String name() {
        return name;
    }

    /** Whether the operator's name was given, rather than made up from its position. */
    public boolean isNamed() {
        return named;
    }

    /** The windows. */
    public Windows windows() {
        return windows;
    }

    @Override
    public Flux<StreamElement<WindowResult<K, A>>> apply(Flux<StreamElement<T>> upstream) {
        return new WindowOperator<T, K, A>(
                        name != null ? name : DEFAULT_NAME, named, windows, key, initial, add, keyCodec, aggregateCodec)
                .apply(upstream);
    }
}
