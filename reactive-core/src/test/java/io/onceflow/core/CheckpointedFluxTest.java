package io.onceflow.core;

import static io.onceflow.core.testkit.TestElements.data;
import static io.onceflow.core.testkit.TestElements.marker;
import static org.assertj.core.api.Assertions.assertThat;

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
}
