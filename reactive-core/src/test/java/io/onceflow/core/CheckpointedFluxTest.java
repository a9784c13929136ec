package io.onceflow.core;

import static io.onceflow.core.testkit.TestElements.data;
import static io.onceflow.core.testkit.TestElements.marker;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

/** The fluent wrapper: consecutive map, filter and handle run fused in one stage, with the same semantics. */
class CheckpointedFluxTest {

    @Test
    void fusedStepsKeepOrderMarkersAndOrigins() {
        Flux<StreamElement<Integer>> input = Flux.just(data(1, 0), data(2, 1), marker(1, 2), data(3, 2), data(4, 3));
        StepVerifier.create(CheckpointedFlux.of(input)
                        .map(i -> i * 10)
                        .filter(i -> i != 20)
                        .<String>handle((i, sink) -> sink.next("v" + i))
                        .elements())
                .expectNext(data("v10", 0))
                .expectNext(marker(1, 2))
                .expectNext(data("v30", 2), data("v40", 3))
                .verifyComplete();
    }

    @Test
    void aFailingStepDeadLettersWithItsOwnStageAndInput() {
        Flux<StreamElement<Integer>> input = Flux.just(data(1, 0), data(2, 1), data(3, 2), data(4, 3));
        List<StreamElement<String>> out = CheckpointedFlux.of(input)
                .map(i -> i * 10)
                .filter(i -> {
                    if (i == 20) {
                        throw new IllegalStateException("filter failed");
                    }
                    return true;
                })
                .<String>handle((i, sink) -> {
                    if (i == 30) {
                        sink.error(new IllegalArgumentException("handle failed"));
                    } else {
                        sink.next("v" + i);
                    }
                })
                .map(s -> s.equals("v40") ? null : s)
                .elements()
                .collectList()
                .block();
        assertThat(out).hasSize(4);
        assertThat(out.get(0)).isEqualTo(data("v10", 0));
        assertThat(out.get(1)).isInstanceOfSatisfying(DeadLetter.class, dead -> {
            assertThat(dead.stage()).isEqualTo("filter");
            assertThat(dead.payload()).isEqualTo(20);
            assertThat(dead.origin().offset()).isEqualTo(1);
            assertThat(dead.error()).hasMessage("filter failed");
        });
        assertThat(out.get(2)).isInstanceOfSatisfying(DeadLetter.class, dead -> {
            assertThat(dead.stage()).isEqualTo("handle");
            assertThat(dead.payload()).isEqualTo(30);
            assertThat(dead.error()).isInstanceOf(IllegalArgumentException.class);
        });
        assertThat(out.get(3)).isInstanceOfSatisfying(DeadLetter.class, dead -> {
            assertThat(dead.stage()).isEqualTo("map");
            assertThat(dead.payload()).isEqualTo("v40");
            assertThat(dead.error()).isInstanceOf(NullPointerException.class);
        });
    }

    @Test
    void completeFromAFusedHandleFailsTheStream() {
        TestPublisher<StreamElement<Integer>> upstream = TestPublisher.create();
        StepVerifier.create(CheckpointedFlux.of(upstream.flux())
                        .map(i -> i + 1)
                        .<Integer>handle((i, sink) -> sink.complete())
                        .elements())
                .then(() -> upstream.next(data(1, 0)))
                .verifyErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(PipelineConfigurationException.class)
                        .hasMessageContaining("test-0@0"));
        upstream.assertCancelled();
    }

    @Test
    void operatorsAfterFusedStepsSeeTheirOutput() {
        Flux<StreamElement<Integer>> input = Flux.just(data(1, 0), data(2, 1), marker(1, 2));
        StepVerifier.create(CheckpointedFlux.of(input)
                        .map(i -> i * 2)
                        .keyed(i -> "k", key -> 0, Integer::sum)
                        .map(sum -> sum + 1)
                        .elements())
                .expectNext(data(3, 0), data(7, 1))
                .assertNext(element -> assertThat(element).isInstanceOf(Marker.class))
                .verifyComplete();
    }

    /** map, filter and handle before keyed run inside the keyed stage; a record they drop never touches the state. */
    @Test
    void stepsBeforeKeyedRunInItsStageAndDropRecordsWithoutTouchingTheState() {
        Flux<StreamElement<Integer>> input =
                Flux.just(data(1, 0), data(2, 1), data(3, 2), data(4, 3), data(5, 4), marker(1, 5), data(6, 5));
        List<StreamElement<Integer>> out = CheckpointedFlux.of(input)
                .map(i -> {
                    if (i == 2) {
                        throw new IllegalStateException("map failed");
                    }
                    return i * 10;
                })
                .filter(i -> i != 30)
                .<Integer>handle((i, sink) -> {
                    if (i == 40) {
                        sink.error(new IllegalArgumentException("handle failed"));
                    } else {
                        sink.next(i + sink.contextView().<Integer>getOrDefault("bonus", 0));
                    }
                })
                .keyed(i -> "k", key -> 0, Integer::sum)
                .elements()
                .contextWrite(context -> context.put("bonus", 1))
                .collectList()
                .block();
        assertThat(out).hasSize(6);
        assertThat(out.get(0)).isEqualTo(data(11, 0));
        assertThat(out.get(1)).isInstanceOfSatisfying(DeadLetter.class, dead -> {
            assertThat(dead.stage()).isEqualTo("map");
            assertThat(dead.payload()).isEqualTo(2);
            assertThat(dead.origin().offset()).isEqualTo(1);
        });
        assertThat(out.get(2)).isInstanceOfSatisfying(DeadLetter.class, dead -> {
            assertThat(dead.stage()).isEqualTo("handle");
            assertThat(dead.payload()).isEqualTo(40);
            assertThat(dead.error()).isInstanceOf(IllegalArgumentException.class);
        });
        // 1 and 5 reached the state: 11 + 51; 2 failed, 3 was filtered out, 4 failed
        assertThat(out.get(3)).isEqualTo(data(62, 4));
        assertThat(out.get(4)).isInstanceOf(Marker.class);
        List<StateChange> changes = ((Marker<?>) out.get(4)).stateChanges();
        assertThat(changes).hasSize(1);
        assertThat(new String(changes.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("62");
        assertThat(out.get(5)).isEqualTo(data(123, 5));
    }

    @Test
    void aFailingKeyFunctionAfterFusedStepsDeadLettersTheStepsOutput() {
        Flux<StreamElement<Integer>> input = Flux.just(data(1, 0), data(2, 1));
        List<StreamElement<Integer>> out = CheckpointedFlux.of(input)
                .map(i -> i * 10)
                .keyed(
                        i -> {
                            if (i == 20) {
                                throw new IllegalStateException("no key");
                            }
                            return "k";
                        },
                        key -> 0,
                        Integer::sum)
                .elements()
                .collectList()
                .block();
        assertThat(out.get(0)).isEqualTo(data(10, 0));
        assertThat(out.get(1)).isInstanceOfSatisfying(DeadLetter.class, dead -> {
            assertThat(dead.stage()).isEqualTo("keyed:keyed-0");
            assertThat(dead.payload()).isEqualTo(20);
        });
    }

    @Test
    void completeFromAHandleFusedIntoKeyedFailsTheStream() {
        TestPublisher<StreamElement<Integer>> upstream = TestPublisher.create();
        StepVerifier.create(CheckpointedFlux.of(upstream.flux())
                        .<Integer>handle((i, sink) -> sink.complete())
                        .keyed(i -> "k", key -> 0, Integer::sum)
                        .elements())
                .then(() -> upstream.next(data(1, 0)))
                .verifyErrorSatisfies(e -> assertThat(e).isInstanceOf(PipelineConfigurationException.class));
        upstream.assertCancelled();
    }

    @Test
    void aProcessingKeyedOperatorAfterStepsSeesTheirOutput() {
        Flux<StreamElement<Integer>> input = Flux.just(data(1, 0), data(2, 1), data(3, 2));
        StepVerifier.create(CheckpointedFlux.of(input)
                        .filter(i -> i != 2)
                        .keyed(Keyed.<Integer, String, Integer, String>process(
                                i -> "k", key -> 0, (key, sum, i, out) -> {
                                    out.accept(key + (sum + i));
                                    out.accept("again");
                                    return sum + i;
                                }))
                        .elements())
                .expectNext(data("k1", 0), data("again", 0), data("k4", 2), data("again", 2))
                .verifyComplete();
    }
}
