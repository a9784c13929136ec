package io.onceflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import reactor.core.publisher.Flux;

/** Runs elements through an operator of the API, as a test's input, and gives back all it emitted. */
final class OperatorRuns {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private OperatorRuns() {}

    static <T, R> List<StreamElement<R>> through(
            List<StreamElement<T>> input, Function<Flux<StreamElement<T>>, Flux<StreamElement<R>>> stage) {
        List<StreamElement<R>> output =
                Flux.fromIterable(input).transform(stage).collectList().block(TIMEOUT);
        assertThat(output).isNotNull();
        return output;
    }
}
