package io.onceflow.core;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.internal.operators.AlignedFlatMap;
import io.onceflow.core.internal.operators.StatelessSteps;
import java.time.Duration;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.SynchronousSink;

/**
 * Marker-aware operators over {@code Flux<StreamElement<T>>}, for {@link Flux#transform}.
 *
 * <p>Each operator applies a user function to record values and passes markers and dead letters through
 * untouched, keeping the marker contract: output derived from records before marker N leaves before marker N,
 * nothing derived from records after it leaves before it. Outputs inherit their record's {@link Origin}.
 *
 * <pre>{@code
 * elements
 *     .transform(Checkpointed.map(Payment::normalize))
 *     .transform(Checkpointed.flatMap(this::enrich, 16))
 * }</pre>
 *
 * <p>{@code map}, {@code filter} and {@code handle} applied one right after the other, and a keyed operator that
 * emits each key's new state ({@link #keyed}) right after them, run as one Reactor stage: a record pays for one
 * stage and one {@link Data} for the run, as in {@link CheckpointedFlux}. An operator of another kind in between (or
 * Reactor's assembly hooks) ends the run; the outcome is the same either way.
 *
 * <p><strong>Error Mode Support</strong>: a user function that throws (or returns {@code null} where a value is
 * required) turns its record into a {@link DeadLetter}; the stream goes on. Upstream errors pass through.
 *
 * <p><strong>Discard Support</strong>: none of these operators buffer beyond Reactor's own operators they are
 * made of; cancellation propagates upstream.
 *
 * @since 0.1
 */
public final class Checkpointed {

    private Checkpointed() {}

    /** Transforms each record value; markers pass untouched. */
    public static <T, R> Function<Flux<StreamElement<T>>, Flux<StreamElement<R>>> map(
            Function<? super T, ? extends R> mapper) {
        return StatelessSteps.map(mapper);
    }

    /** Keeps the records whose value matches; markers always pass. */
    public static <T> Function<Flux<StreamElement<T>>, Flux<StreamElement<T>>> filter(Predicate<? super T> predicate) {
        return StatelessSteps.filter(predicate);
    }

    /**
     * Emits zero or one value per record through a {@link SynchronousSink}; {@code sink.error(e)} dead-letters
     * the record, and {@code sink.complete()} is refused: a checkpointed stream ends only when its source does.
     */
    public static <T, R> Function<Flux<StreamElement<T>>, Flux<StreamElement<R>>> handle(
            BiConsumer<? super T, SynchronousSink<R>> handler) {
        return StatelessSteps.handle(handler);
    }

    /**
     * Maps each record value to a publisher, running up to {@code concurrency} at once; marker N waits until every
     * inner publisher started before it has completed. Outputs keep their records' order (the work overlaps, the
     * outputs of a record wait for those of the records before it), so that keyed state folds in the same order on
     * every replay and an idempotent sink's newest version is the last write.
     *
     * <pre>
     *   in:   d1 d2 [M1] d3
     *   out:  a1 a2 b1 [M1] c1      (a = inner(d1), b = inner(d2), c = inner(d3), whichever finished first)
     * </pre>
     */
    public static <T, R> Function<Flux<StreamElement<T>>, Flux<StreamElement<R>>> flatMap(
            Function<? super T, ? extends Publisher<? extends R>> mapper, int concurrency) {
        return AlignedFlatMap.flatMap(requireNonNull(mapper, "mapper"), concurrency);
    }

    /** Like {@link #flatMap} with one inner publisher at a time, so outputs keep the records' order. */
    public static <T, R> Function<Flux<StreamElement<T>>, Flux<StreamElement<R>>> concatMap(
            Function<? super T, ? extends Publisher<? extends R>> mapper) {
        return AlignedFlatMap.concatMap(requireNonNull(mapper, "mapper"));
    }

    /**
     * Stateful processing per key, emitting the key's new state; see {@link Keyed}. Name it with
     * {@link Keyed#named}: a pipeline whose commit point is durable refuses stateful operators without a name of
     * their own, and any pipeline refuses two of one name (unnamed, it is called {@value Keyed#DEFAULT_NAME}).
     */
    public static <T, K, S> Keyed<T, K, S, S> keyed(
            Function<? super T, ? extends K> key,
            Function<? super K, ? extends S> initial,
            BiFunction<? super S, ? super T, ? extends S> update) {
        return Keyed.update(key, initial, update);
    }

    /**
     * Lets the first record of each key through and dead-letters the records of the same key that follow within
     * {@code retention} of event time; see {@link Deduplicate}. Name it with {@link Deduplicate#named}, as a keyed
     * operator (unnamed, it is called {@value Deduplicate#DEFAULT_NAME}).
     *
     * <pre>
     *   in:   p1@0  p2@5  p1@7  [M1]      (retention 10)
     *   out:  p1@0  p2@5  ✗p1   [M1 + remembered keys]
     * </pre>
     *
     * @param key the deduplication key of a record value
     * @param retention how long after its first record a key is remembered, in event time
     */
    public static <T, K> Deduplicate<T, K> deduplicate(Function<? super T, ? extends K> key, Duration retention) {
        return Deduplicate.by(key, retention);
    }

    /**
     * Aggregates record values per key in event-time windows; see {@link Windows} and {@link WindowAggregate}, whose
     * methods name the operator and declare its key and aggregate types.
     *
     * @param windows the windows, lateness and watermark
     * @param key the key of a record value
     * @param initial a new window's empty aggregate
     * @param add the aggregate with one more record value
     */
    public static <T, K, A> WindowAggregate<T, K, A> window(
            Windows windows,
            Function<? super T, ? extends K> key,
            Supplier<? extends A> initial,
            BiFunction<? super A, ? super T, ? extends A> add) {
        return WindowAggregate.of(windows, key, initial, add);
    }
}
