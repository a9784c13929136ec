package io.onceflow.core;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.internal.operators.KeyedOperator;
import io.onceflow.core.internal.operators.StatelessSteps;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/**
 * Stateful processing per key, with state scoped to the source partition the record came from and checkpointed
 * with the pipeline's output.
 *
 * <pre>
 *   in:   a:10  b:3  a:5  [M1]  a:1
 *   out:  a=10  b=3  a=15 [M1 + state {a=15, b=3}]  a=16
 * </pre>
 *
 * <p>Like a Kafka Streams task, state lives with the partition: co-partition the input by the state key (or
 * repartition through a topic) so that all records of a key come from one partition. At marker N the operator
 * attaches the entries it changed since marker N-1 to the marker; the commit point commits them with checkpoint N,
 * and a restart restores them before the partition's first record is processed again.
 *
 * <p><strong>Error Mode Support</strong>: a failing key function, initial-state function or user function
 * dead-letters the record and leaves its key's state unchanged. So does a key the commit point cannot store: a key
 * is made into its stored form (a string, or JSON for a key that is not a string or a number) when its first record
 * comes by; a key whose stored form UTF-8 cannot hold (an unpaired surrogate) is dead-lettered then with a
 * {@link KeyEncodingException}, since it would be stored as another key's.
 *
 * <p><strong>Commit Semantics</strong>: state changes commit atomically with the checkpoint that caused them; after
 * a failure, replayed records meet exactly the state of the last completed checkpoint.
 *
 * <p><strong>Immutable state is cheaper</strong>: a state whose type cannot change (a record of numbers, strings,
 * {@code BigDecimal}s, {@code java.time} values, enums or such records; a sealed interface of them; a boxed number or a
 * string) is handed to the commit point as it was at the marker and encoded there, on the commit point's thread. A
 * state that may change in place (a collection, a bean, a record holding a {@code List}) is encoded at the marker on
 * the pipeline's thread, so that changing it after the marker cannot change what commits; returning a new value is
 * still the safer habit. A state the commit point cannot encode fails its checkpoint (see {@link StateCodec}).
 *
 * <pre>{@code
 * flux.keyed(Keyed.update(Payment::account, Balance::empty, Balance::apply).named("balances"))
 * }</pre>
 *
 * @param <T> the input type
 * @param <K> the key type
 * @param <S> the state type
 * @param <R> the output type
 * @since 0.1
 */
public final class Keyed<T, K, S, R> implements Function<Flux<StreamElement<T>>, Flux<StreamElement<R>>> {

    /** The name of a keyed operator that was given none; {@link CheckpointedFlux} numbers them instead. */
    public static final String DEFAULT_NAME = "keyed";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

    private final Function<? super T, ? extends K> key;
    private final Function<? super K, ? extends S> initial;
    private final @Nullable BiFunction<? super S, ? super T, ? extends S> update;
    private final @Nullable KeyedProcessor<K, S, T, R> processor;
    private final @Nullable String name;
    private final boolean named;
    private final @Nullable StateCodec<S> codec;
    private final @Nullable KeyPartitioner<? super K> partitioner;

    private Keyed(
            Function<? super T, ? extends K> key,
            Function<? super K, ? extends S> initial,
            @Nullable BiFunction<? super S, ? super T, ? extends S> update,
            @Nullable KeyedProcessor<K, S, T, R> processor,
            @Nullable String name,
            boolean named,
            @Nullable StateCodec<S> codec,
            @Nullable KeyPartitioner<? super K> partitioner) {
        this.key = requireNonNull(key, "key");
        this.initial = requireNonNull(initial, "initial");
        this.update = update;
        this.processor = processor;
        this.name = name;
        this.named = named;
        this.codec = codec;
        this.partitioner = partitioner;
    }

    /**
     * One output per record, the key's new state: {@code update(state, value)}.
     *
     * @param key the key of a record value
     * @param initial the state of a key seen for the first time
     * @param update the new state from the current one and a record value
     */
    public static <T, K, S> Keyed<T, K, S, S> update(
            Function<? super T, ? extends K> key,
            Function<? super K, ? extends S> initial,
            BiFunction<? super S, ? super T, ? extends S> update) {
        return new Keyed<>(key, initial, requireNonNull(update, "update"), null, null, false, null, null);
    }

    /**
     * One output per record computed from the key's new state and the record: the short form of {@link #process} for
     * an operator that keeps a state and emits something else, such as a ledger entry that carries the balance after
     * the payment. {@code output} returning {@code null} emits nothing for that record (its state still changes).
     *
     * <pre>{@code
     * Keyed.update(Payment::account, Balance::empty, Balance::apply,
     *         (balance, payment) -> new Entry(payment.id(), balance.amount()))
     * }</pre>
     *
     * @param key the key of a record value
     * @param initial the state of a key seen for the first time
     * @param update the new state from the current one and a record value
     * @param output the record's output from the key's new state and the record value
     * @since 0.2
     */
    public static <T, K, S, R> Keyed<T, K, S, R> update(
            Function<? super T, ? extends K> key,
            Function<? super K, ? extends S> initial,
            BiFunction<? super S, ? super T, ? extends S> update,
            BiFunction<? super S, ? super T, ? extends @Nullable R> output) {
        requireNonNull(update, "update");
        requireNonNull(output, "output");
        KeyedProcessor<K, S, T, R> processor = (k, state, value, out) -> {
            S next = requireNonNull(update.apply(state, value), "the keyed update function returned null");
            R emitted = output.apply(next, value);
            if (emitted != null) {
                out.accept(emitted);
            }
            return next;
        };
        return new Keyed<>(key, initial, null, processor, null, false, null, null);
    }

    /**
     * Any number of outputs per record, and state that can be removed.
     *
     * @param key the key of a record value
     * @param initial the state of a key seen for the first time
     * @param processor processes a value with its key's state
     */
    public static <T, K, S, R> Keyed<T, K, S, R> process(
            Function<? super T, ? extends K> key,
            Function<? super K, ? extends S> initial,
            KeyedProcessor<K, S, T, R> processor) {
        return new Keyed<>(key, initial, null, requireNonNull(processor, "processor"), null, false, null, null);
    }

    /**
     * This operator with a name, which identifies its state in the commit point: keep it stable across versions of
     * the pipeline, and distinct from the pipeline's other stateful operators (assembly refuses two of one name).
     * Required when the pipeline's commit point is durable (Kafka, PostgreSQL): a name made up from the operator's
     * position would hand its state to another operator once one is inserted before it. Without a name, an operator
     * assembled through {@link CheckpointedFlux} is called {@code keyed-<n>} by its position (for tests on an
     * in-memory commit point), and {@value #DEFAULT_NAME} otherwise.
     */
    public Keyed<T, K, S, R> named(String operatorName) {
        checkName(operatorName);
        return new Keyed<>(key, initial, update, processor, operatorName, true, codec, partitioner);
    }

    /** This operator called {@code positionalName} after its place in a chain, for want of a name of its own. */
    Keyed<T, K, S, R> positionallyNamed(String positionalName) {
        checkName(positionalName);
        return new Keyed<>(key, initial, update, processor, positionalName, false, codec, partitioner);
    }

    private static void checkName(String operatorName) {
        requireNonNull(operatorName, "operatorName");
        if (!NAME.matcher(operatorName).matches()) {
            throw new IllegalArgumentException(
                    "keyed operator name must be 1 to 100 letters, digits, '.', '_', ':' or '-', was '" + operatorName
                            + "'");
        }
    }

    /**
     * This operator with the declared type of its state, generics included, for the default JSON codec: see
     * {@link StateType}. Without it, the codec is bound to the class of the initial state.
     */
    public Keyed<T, K, S, R> stateType(StateType<S> type) {
        return stateCodec(StateCodec.json(requireNonNull(type, "type")));
    }

    /** This operator with the declared class of its state (a record, or a sealed interface). See {@link StateType}. */
    public Keyed<T, K, S, R> stateType(Class<S> type) {
        return stateType(StateType.of(type));
    }

    /**
     * This operator with a state codec of its own. Defaults to JSON through Jackson 3, bound to the declared
     * {@link #stateType} or else to the class of the initial state.
     */
    public Keyed<T, K, S, R> stateCodec(StateCodec<S> stateCodec) {
        return new Keyed<>(
                key, initial, update, processor, name, named, requireNonNull(stateCodec, "stateCodec"), partitioner);
    }

    /**
     * This operator checking that each record's key belongs to the source partition it was read from: a record of a
     * key produced to another partition (with another Kafka key, or none) is dead-lettered with a
     * {@link KeyPartitionException} saying so, instead of starting a second copy of the key's state there. Without
     * it, nothing is checked: the input must be co-partitioned by this operator's key. See {@link KeyPartitioner}.
     */
    public Keyed<T, K, S, R> partitionedBy(KeyPartitioner<? super K> keys) {
        return new Keyed<>(key, initial, update, processor, name, named, codec, requireNonNull(keys, "keys"));
    }

    /** The operator's name, if it has one yet. */
    public @Nullable String name() {
        return name;
    }

    /** Whether the operator's name was given with {@link #named}, rather than made up from its position. */
    public boolean isNamed() {
        return named;
    }

    @Override
    public Flux<StreamElement<R>> apply(Flux<StreamElement<T>> upstream) {
        return operator().apply(upstream);
    }

    /**
     * This operator with a run of fused map, filter and handle steps before it, as one stage where it can be:
     * what {@link CheckpointedFlux} builds for {@code .map(...).filter(...).keyed(...)}.
     */
    Function<Flux<StreamElement<Object>>, Flux<StreamElement<R>>> after(StatelessSteps<?, T> steps) {
        return operator().after(steps);
    }

    /**
     * This operator's stage over a stream that may carry batches of records, with a run of fused steps (or none)
     * before it: see {@link KeyedOperator#batched}.
     */
    Function<Flux<?>, Flux<Object>> batched(@Nullable StatelessSteps<?, T> steps) {
        return operator().batched(steps);
    }

    @SuppressWarnings("unchecked")
    private KeyedOperator<T, K, S, R> operator() {
        String operatorName = name != null ? name : DEFAULT_NAME;
        if (update != null) {
            return (KeyedOperator<T, K, S, R>)
                    (KeyedOperator<T, K, S, ?>) KeyedOperator.updating(operatorName, named, key, initial, update, codec)
                            .partitionedBy(partitioner);
        }
        return KeyedOperator.processing(operatorName, named, key, initial, requireNonNull(processor), codec)
                .partitionedBy(partitioner);
    }
}
