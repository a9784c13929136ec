package io.onceflow.core.internal.operators;

import static io.onceflow.core.internal.operators.Elements.deadLetter;
import static io.onceflow.core.internal.operators.Elements.nullResult;
import static io.onceflow.core.internal.operators.Elements.passThrough;

import io.onceflow.core.Data;
import io.onceflow.core.StreamElement;
import java.util.function.Function;
import java.util.function.Predicate;
import reactor.core.publisher.Flux;

/**
 * The one-to-one operators: {@code map} and {@code filter}. Markers and dead letters pass untouched, so the marker
 * contract holds trivially; a failing user function turns its record into a dead letter.
 */
public final class SimpleOperators {

    private SimpleOperators() {}

    public static <T, R> Function<Flux<StreamElement<T>>, Flux<StreamElement<R>>> map(
            Function<? super T, ? extends R> mapper) {
        return upstream -> upstream.map(element -> {
            if (!(element instanceof Data<T> record)) {
                return passThrough(element);
            }
            R result;
            try {
                result = mapper.apply(record.value());
            } catch (Throwable failure) {
                return deadLetter(record, "map", failure);
            }
            return result != null ? record.withValue(result) : deadLetter(record, "map", nullResult("map"));
        });
    }

    public static <T> Function<Flux<StreamElement<T>>, Flux<StreamElement<T>>> filter(Predicate<? super T> predicate) {
        return upstream -> upstream.handle((element, sink) -> {
            if (!(element instanceof Data<T> record)) {
                sink.next(element);
                return;
            }
            boolean keep;
            try {
                keep = predicate.test(record.value());
            } catch (Throwable failure) {
                sink.next(deadLetter(record, "filter", failure));
                return;
            }
            if (keep) {
                sink.next(record);
            }
        });
    }
}
