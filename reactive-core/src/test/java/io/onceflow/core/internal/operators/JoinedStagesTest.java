package io.onceflow.core.internal.operators;

import static io.onceflow.core.testkit.TestElements.data;
import static io.onceflow.core.testkit.TestElements.marker;
import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.core.Checkpointed;
import io.onceflow.core.CheckpointedFlux;
import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.Keyed;
import io.onceflow.core.Marker;
import io.onceflow.core.StreamElement;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * Marker-aware steps applied one {@code Flux.transform} after another join into one Reactor stage
 * ({@link SteppedFlux}), and joining changes nothing: over random streams with markers and failing records, the
 * joined chain emits exactly what the same chain emits with every operator a stage of its own.
 */
class JoinedStagesTest {

    @Test
    void consecutiveStepsAndAKeyedUpdateRunInOneStage() {
        Flux<StreamElement<Integer>> input = Flux.just(data(1, 0), marker(1, 1));
        Flux<StreamElement<Integer>> mapped =
                input.transform(Checkpointed.map((Integer v) -> v + 1)).transform(Checkpointed.filter(v -> v > 0));
        assertThat(mapped)
                .isInstanceOfSatisfying(
                        SteppedFlux.class,
                        stepped -> assertThat(stepped.upstream())
                                .as("the second step joined the first: both run over the input")
                                .isSameAs(input));
    }

    @Test
    void anOperatorInBetweenKeepsItsOwnStage() {
        Flux<StreamElement<Integer>> input = Flux.just(data(1, 0));
        Flux<StreamElement<Integer>> between =
                input.transform(Checkpointed.map((Integer v) -> v + 1)).hide();
        Flux<StreamElement<Integer>> after = between.transform(Checkpointed.filter(v -> v > 0));
        assertThat(after)
                .isInstanceOfSatisfying(
                        SteppedFlux.class,
                        stepped -> assertThat(stepped.upstream()).isSameAs(between));
    }

    @Test
    void aJoinedStageCanStillBeSubscribedToOnItsOwn() {
        Flux<StreamElement<Integer>> first = Flux.<StreamElement<Integer>>just(data(1, 0), data(2, 1))
                .transform(Checkpointed.map((Integer v) -> v * 10));
        Flux<StreamElement<Integer>> second = first.transform(Checkpointed.filter(v -> v > 10));
        assertThat(first.collectList().block(Duration.ofSeconds(5))).containsExactly(data(10, 0), data(20, 1));
        assertThat(second.collectList().block(Duration.ofSeconds(5))).containsExactly(data(20, 1));
    }

    @Property(tries = 100)
    void aFluentChainOverTransformedStepsJoinsThemAndChangesNoElement(@ForAll("scripts") Script script) {
        List<StreamElement<Integer>> input = script.elements();
        List<String> joined =
                describe(Flux.fromIterable(input).transform(fluentOverTransformed(UnaryOperator.identity())));
        List<String> separate = describe(Flux.fromIterable(input).transform(fluentOverTransformed(Flux::hide)));
        assertThat(joined).isEqualTo(separate);
    }

    /** A step applied with {@code transform}, then {@code between}, then fluent steps and a keyed update. */
    private static java.util.function.Function<Flux<StreamElement<Integer>>, Flux<StreamElement<Long>>>
            fluentOverTransformed(UnaryOperator<Flux<StreamElement<Integer>>> between) {
        return flux -> CheckpointedFlux.of(between.apply(flux.transform(Checkpointed.map((Integer v) -> {
                    if (v % 11 == 0 && v != 0) {
                        throw new IllegalArgumentException("map refused " + v);
                    }
                    return v + 1;
                }))))
                .filter(v -> v % 4 != 0)
                .keyed("sums", v -> Math.floorMod(v, 7), key -> 0L, (Long sum, Integer v) -> sum + v)
                .elements();
    }

    /** A stream: values, and after which of them a marker comes. */
    record Script(List<Integer> values, List<Boolean> markerAfter) {

        List<StreamElement<Integer>> elements() {
            List<StreamElement<Integer>> elements = new ArrayList<>();
            int markers = 0;
            for (int i = 0; i < values.size(); i++) {
                elements.add(data(values.get(i), i));
                if (markerAfter.get(i)) {
                    elements.add(marker(++markers, i + 1));
                }
            }
            return elements;
        }
    }

    @Provide
    Arbitrary<Script> scripts() {
        return Arbitraries.integers()
                .between(1, 300)
                .flatMap(size -> Combinators.combine(
                                Arbitraries.integers().between(-500, 500).list().ofSize(size),
                                Arbitraries.of(true, false, false, false).list().ofSize(size))
                        .as(Script::new));
    }

    @Property(tries = 200)
    void joiningChangesNoElement(@ForAll("scripts") Script script) {
        List<StreamElement<Integer>> input = script.elements();
        List<String> joined = describe(Flux.fromIterable(input).transform(chain(UnaryOperator.identity())));
        List<String> separate = describe(Flux.fromIterable(input).transform(chain(Flux::hide)));
        assertThat(joined).isEqualTo(separate);
    }

    /** Map, filter, handle and a keyed sum, each step failing on some values; {@code between} goes between them. */
    private static java.util.function.Function<Flux<StreamElement<Integer>>, Flux<StreamElement<Long>>> chain(
            UnaryOperator<Flux<StreamElement<Integer>>> between) {
        return flux -> flux.transform(Checkpointed.map((Integer v) -> {
                    if (v % 11 == 0 && v != 0) {
                        throw new IllegalArgumentException("map refused " + v);
                    }
                    return v + 1;
                }))
                .transform(between)
                .transform(Checkpointed.filter((Integer v) -> v % 4 != 0))
                .transform(between)
                .transform(Checkpointed.<Integer, Integer>handle((v, sink) -> {
                    if (v % 13 == 0) {
                        sink.error(new IllegalStateException("handle refused " + v));
                    } else if (v % 3 != 0) {
                        sink.next(v * 2);
                    }
                }))
                .transform(between)
                .transform(Keyed.update(
                                (Integer v) -> {
                                    if (v % 17 == 0) {
                                        throw new IllegalArgumentException("no key for " + v);
                                    }
                                    return Math.floorMod(v, 7);
                                },
                                key -> 0L,
                                (Long sum, Integer v) -> sum + v)
                        .named("sums"));
    }

    private static List<String> describe(Flux<StreamElement<Long>> elements) {
        List<StreamElement<Long>> out = elements.collectList().block(Duration.ofSeconds(30));
        assertThat(out).isNotNull();
        return out.stream().map(JoinedStagesTest::describe).toList();
    }

    private static String describe(StreamElement<Long> element) {
        if (element instanceof Data<Long> record) {
            return "data " + record.value() + " " + record.origin();
        }
        if (element instanceof DeadLetter<Long> dead) {
            return "dead " + dead.stage() + " " + dead.payload() + " " + dead.errorClass() + ": " + dead.errorMessage()
                    + " " + dead.origin();
        }
        Marker<Long> marker = (Marker<Long>) element;
        return "marker " + marker.checkpointId() + " " + marker.positions() + " "
                + marker.stateChanges().stream()
                        .map(change -> change.operator() + "/" + change.partition() + "/" + change.key() + "="
                                + (change.value() == null
                                        ? "removed"
                                        : new String(change.value(), StandardCharsets.UTF_8)))
                        .sorted()
                        .collect(Collectors.joining(","));
    }
}
