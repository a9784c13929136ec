package io.onceflow.core.internal.operators;

import static io.onceflow.core.internal.operators.Elements.deadLetter;
import static io.onceflow.core.internal.operators.Elements.nullResult;
import static io.onceflow.core.internal.operators.Elements.passThrough;

import io.onceflow.core.Data;
import io.onceflow.core.Marker;
import io.onceflow.core.StreamElement;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code flatMap} and {@code concatMap} that keep the marker contract: marker N is held until every inner publisher
 * started before it has completed, and no inner publisher for a record after marker N starts before marker N has
 * left. Outputs keep their records' order: {@code flatMap} runs up to {@code concurrency} inner publishers at once,
 * but emits the outputs of a record only after those of the records before it.
 *
 * <pre>
 *   in:   d1 d2 [M1] d3          inner(d1) ──────a1─┐
 *                                inner(d2) ─b1─┐    │     b1 waits for a1
 *   out:  a1 b1 [M1] c1                         ▼    ▼
 * </pre>
 *
 * <p>Why in order: everything downstream is keyed by write order. A keyed operator folds its records in arrival
 * order, and an idempotent sink keeps a row's newest version by its record's offset; if outputs reordered, a
 * replay could fold them in another order than the committed run did, and the version of the newest state would
 * not be the highest. In order, a pipeline is as deterministic as its functions, and the offset order is the write
 * order. The cost is head-of-line waiting: a slow inner publisher holds back the outputs (not the work) of the ones
 * after it, bounded by {@code concurrency} and Reactor's prefetch.
 *
 * <p>Built by composition: the stream is cut into segments that each end with a marker
 * ({@link Flux#windowUntil}), segments run one after the other ({@link Flux#concatMap}), and inside a segment the
 * records fan out with Reactor's own {@code flatMapSequential} (or {@code concatMap}); the segment's marker is
 * emitted after the fan-out completes. An inner publisher that fails, or a mapper that throws or returns
 * {@code null}, turns its record into a dead letter; outputs it emitted before failing stay.
 */
public final class AlignedFlatMap {

    private AlignedFlatMap() {}

    public static <T, R> Function<Flux<StreamElement<T>>, Flux<StreamElement<R>>> flatMap(
            Function<? super T, ? extends Publisher<? extends R>> mapper, int concurrency) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be >= 1, was " + concurrency);
        }
        return upstream -> aligned(upstream, segment -> {
            SegmentEnd end = new SegmentEnd();
            return segment.<StreamElement<R>>flatMapSequential(
                            element -> inner(element, mapper, end, "flatMap"), concurrency)
                    .concatWith(end.marker());
        });
    }

    public static <T, R> Function<Flux<StreamElement<T>>, Flux<StreamElement<R>>> concatMap(
            Function<? super T, ? extends Publisher<? extends R>> mapper) {
        return upstream -> aligned(upstream, segment -> {
            SegmentEnd end = new SegmentEnd();
            return segment.<StreamElement<R>>concatMap(element -> inner(element, mapper, end, "concatMap"))
                    .concatWith(end.marker());
        });
    }

    /**
     * Cuts the stream into segments that each end with a marker and runs them one after the other.
     *
     * <p>Cancellation reaches the upstream first: {@code windowUntil} answers the cancellation of an open segment
     * by requesting and discarding the upstream up to the segment's end, that is the next marker, and only then
     * cancels. Without a marker coming (a pipeline that stops, a source without checkpoints) that would drain the
     * source forever.
     */
    private static <T, R> Flux<StreamElement<R>> aligned(
            Flux<StreamElement<T>> upstream,
            Function<Flux<StreamElement<T>>, Publisher<StreamElement<R>>> segmentWork) {
        return Flux.defer(() -> {
            AtomicReference<@Nullable Subscription> source = new AtomicReference<>();
            return upstream.doOnSubscribe(source::set)
                    .windowUntil(element -> element instanceof Marker, false)
                    .concatMap(segmentWork)
                    .doOnCancel(() -> {
                        Subscription subscription = source.get();
                        if (subscription != null) {
                            subscription.cancel();
                        }
                    });
        });
    }

    private static <T, R> Publisher<StreamElement<R>> inner(
            StreamElement<T> element,
            Function<? super T, ? extends Publisher<? extends R>> mapper,
            SegmentEnd end,
            String stage) {
        if (element instanceof Marker<T> marker) {
            end.set(marker);
            return Flux.empty();
        }
        if (!(element instanceof Data<T> record)) {
            return Mono.just(passThrough(element));
        }
        return Flux.<R>defer(() -> {
                    Publisher<? extends R> publisher;
                    try {
                        publisher = mapper.apply(record.value());
                    } catch (Throwable failure) {
                        // signalled from here: Reactor would rethrow a JVM-fatal error from the mapper up the stack
                        return Flux.error(failure);
                    }
                    return publisher != null ? Flux.from(publisher) : Flux.error(nullResult(stage));
                })
                .<StreamElement<R>>map(record::withValue)
                .onErrorResume(failure -> Mono.just(deadLetter(record, stage, failure)));
    }

    /** The marker that closes a segment, released once the segment's inner work has completed. */
    private static final class SegmentEnd {

        private volatile @Nullable Marker<?> marker;

        void set(Marker<?> value) {
            marker = value;
        }

        <R> Mono<StreamElement<R>> marker() {
            return Mono.fromSupplier(() -> {
                Marker<?> value = marker;
                return value == null ? null : value.<R>cast();
            });
        }
    }
}
