package io.onceflow.core;

import static io.onceflow.core.testkit.TestElements.data;
import static io.onceflow.core.testkit.TestElements.marker;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Property: over random record streams, random marker placement and random concurrency, no operator output ever
 * crosses a marker. Each output is traced to its input by origin, and its input's segment (the markers before it)
 * must equal the number of markers the output follows.
 */
class MarkerContractPropertiesTest {

    /** An input stream: values, and after which of them a marker comes. */
    record Script(List<Integer> values, List<Boolean> markerAfter) {

        /** The elements, with markers numbered from 1, and each record's segment by offset. */
        List<StreamElement<Integer>> elements(int[] segmentOfOffset) {
            List<StreamElement<Integer>> elements = new ArrayList<>();
            int segment = 0;
            for (int i = 0; i < values.size(); i++) {
                elements.add(data(values.get(i), i));
                segmentOfOffset[i] = segment;
                if (markerAfter.get(i)) {
                    segment++;
                    elements.add(marker(segment, i + 1));
                }
            }
            return elements;
        }
    }

    @Provide
    Arbitrary<Script> scripts() {
        return Arbitraries.integers()
                .between(1, 400)
                .flatMap(size -> Combinators.combine(
                                Arbitraries.integers()
                                        .between(-1000, 1000)
                                        .list()
                                        .ofSize(size),
                                Arbitraries.of(true, false, false, false).list().ofSize(size))
                        .as(Script::new));
    }

    @Property(tries = 200)
    void asyncFlatMapNeverLetsOutputCrossAMarker(
            @ForAll("scripts") Script script, @ForAll @IntRange(min = 1, max = 16) int concurrency) {
        Function<Flux<StreamElement<Integer>>, Flux<StreamElement<Integer>>> chain =
                flux -> flux.transform(Checkpointed.<Integer, Integer>flatMap(
                                value -> Flux.range(0, Math.floorMod(value, 3))
                                        .concatMap(i -> Mono.fromCallable(() -> value + i)
                                                .subscribeOn(Schedulers.parallel())),
                                concurrency))
                        .transform(Checkpointed.filter(value -> value % 5 != 0));
        assertNoOutputCrossesAMarker(script, chain);
    }

    @Property(tries = 200)
    void fullChainNeverLetsOutputCrossAMarker(
            @ForAll("scripts") Script script, @ForAll @IntRange(min = 1, max = 8) int concurrency) {
        Function<Flux<StreamElement<Integer>>, Flux<StreamElement<Long>>> chain = flux -> flux.transform(
                        Checkpointed.map(value -> value * 2))
                .transform(Checkpointed.<Integer, Integer>concatMap(
                        value -> Mono.just(value).publishOn(Schedulers.parallel())))
                .transform(Keyed.update((Integer value) -> Math.floorMod(value, 7), key -> 0L, (sum, v) -> sum + v))
                .transform(Checkpointed.<Long, Long>flatMap(
                        sum -> Mono.fromCallable(() -> sum).subscribeOn(Schedulers.boundedElastic()), concurrency));
        assertNoOutputCrossesAMarker(script, chain);
    }

    @Property(tries = 100)
    void fusedFluentChainNeverLetsOutputCrossAMarker(
            @ForAll("scripts") Script script, @ForAll @IntRange(min = 1, max = 8) int concurrency) {
        Function<Flux<StreamElement<Integer>>, Flux<StreamElement<String>>> chain = flux -> CheckpointedFlux.of(flux)
                .map(value -> value + 1)
                .filter(value -> value % 4 != 0)
                .<Integer>handle((value, sink) -> {
                    if (value % 3 != 0) {
                        sink.next(value);
                    }
                })
                .flatMap(value -> Mono.just(value).publishOn(Schedulers.parallel()), concurrency)
                .map(value -> "v" + value)
                .elements();
        assertNoOutputCrossesAMarker(script, chain);
    }

    private static <R> void assertNoOutputCrossesAMarker(
            Script script, Function<Flux<StreamElement<Integer>>, Flux<StreamElement<R>>> chain) {
        int[] segmentOfOffset = new int[script.values().size()];
        List<StreamElement<Integer>> input = script.elements(segmentOfOffset);
        List<StreamElement<R>> output =
                Flux.fromIterable(input).transform(chain).collectList().block(Duration.ofSeconds(30));
        assertThat(output).isNotNull();
        long markersIn = input.stream().filter(StreamElement::isMarker).count();
        int markersSeen = 0;
        for (StreamElement<R> element : output) {
            if (element instanceof Marker<R> marker) {
                markersSeen++;
                assertThat(marker.checkpointId()).as("markers keep their order").isEqualTo(markersSeen);
            } else if (element instanceof Data<R> record) {
                int segment = segmentOfOffset[(int) record.origin().offset()];
                assertThat(markersSeen)
                        .as(
                                "output of the record at offset %d (segment %d)",
                                record.origin().offset(), segment)
                        .isEqualTo(segment);
            } else {
                throw new AssertionError("unexpected " + element);
            }
        }
        assertThat(markersSeen).as("every marker passes").isEqualTo(markersIn);
    }
}
