package io.onceflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A JVM {@link Error} in any stage fails the run visibly and the restart policy takes over; it is never a dead letter
 * and never a silent hang. One thrown inside the user's own Reactor operators (an inner publisher of a
 * {@code flatMap}) is rethrown by Reactor on its thread, where no stage sees it: that inner publisher never ends, and
 * the checkpoint waiting for it times out and fails the run. Before, an {@code OutOfMemoryError} thrown on a scheduler's worker ended that worker's task:
 * Reactor rethrows JVM-fatal errors instead of signalling them, and the pipeline stayed {@code RUNNING} with no
 * progress, no restart and no error.
 */
class ErrorInStageTest {

    /** Where the error is thrown, given whether to throw now. */
    interface Stage extends BiFunction<CheckpointedFlux<Integer>, Supplier<Boolean>, CheckpointedFlux<Integer>> {}

    static Stream<Arguments> stages() {
        return Stream.of(
                stage("map", (flux, now) -> flux.map(v -> fail(now, v))),
                stage("filter", (flux, now) -> flux.filter(v -> fail(now, v) >= 0)),
                stage("handle", (flux, now) -> flux.<Integer>handle((v, sink) -> sink.next(fail(now, v)))),
                stage("flatMap mapper", (flux, now) -> flux.flatMap(v -> Mono.just(fail(now, v)), 4)),
                stage(
                        "flatMap inner publisher",
                        (flux, now) -> flux.flatMap(
                                v -> Mono.fromCallable(() -> fail(now, v)).subscribeOn(Schedulers.parallel()), 4)),
                stage("concatMap", (flux, now) -> flux.concatMap(v -> Mono.just(fail(now, v)))),
                stage("keyed", (flux, now) -> flux.keyed(v -> v % 3, k -> 0, (Integer s, Integer v) -> fail(now, v))),
                stage(
                        "window",
                        (flux, now) -> flux.window(
                                        Windows.tumbling(Duration.ofMillis(5)),
                                        v -> v % 3,
                                        () -> 0,
                                        (Integer a, Integer v) -> a + fail(now, v))
                                .map(result -> result.value())));
    }

    private static Arguments stage(String name, Stage stage) {
        return Arguments.of(name, stage);
    }

    /** The value, or the error when it is due. */
    private static int fail(Supplier<Boolean> now, int value) {
        if (value == 7 && now.get()) {
            throw new OutOfMemoryError("injected: decoding a huge record");
        }
        return value;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stages")
    void anErrorFailsTheRunVisiblyAndTheRestartPolicyTakesOver(String name, Stage stage) {
        AtomicBoolean thrown = new AtomicBoolean();
        TestSource<Integer> source = TestSource.create();
        for (int i = 0; i < 20; i++) {
            source.emitAt(0, i, i);
        }
        source.complete();
        InMemoryCommitPoint<Integer> sink =
                InMemoryCommitPoint.<Integer>create().withDeadLetters();
        Pipeline pipeline = stage.apply(
                        Onceflow.pipeline("errors")
                                .checkpointEvery(Duration.ZERO)
                                .checkpointAfterRecords(4)
                                .meterRegistry(new SimpleMeterRegistry())
                                .checkpointTimeout(Duration.ofSeconds(2))
                                .restartPolicy(
                                        RestartPolicy.defaults().withBackoff(Duration.ZERO, Duration.ofMillis(1)))
                                .from(source),
                        () -> thrown.compareAndSet(false, true))
                .to(sink);

        List<CheckpointEvent> events = pipeline.run().collectList().block(Duration.ofSeconds(20));

        assertThat(thrown).as("the error was thrown").isTrue();
        assertThat(pipeline.status().restarts()).as("restarts").isEqualTo(1);
        if (name.equals("flatMap inner publisher")) {
            assertThat(pipeline.status().lastError()).isInstanceOf(CheckpointTimeoutException.class);
        } else {
            assertThat(pipeline.status().lastError())
                    .isInstanceOf(StageFailedException.class)
                    .hasCauseInstanceOf(OutOfMemoryError.class)
                    .hasMessageContaining("injected: decoding a huge record");
        }
        assertThat(sink.deadLetters()).as("an error is not a bad record").isEmpty();
        assertThat(events).isNotEmpty();
        if (!name.equals("window")) {
            assertThat(sink.committed())
                    .as("everything, once, after the restart")
                    .hasSize(20);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stages")
    void anErrorEveryTimeStopsThePipelineOnceTheAttemptsAreSpent(String name, Stage stage) {
        TestSource<Integer> source = TestSource.create();
        for (int i = 0; i < 20; i++) {
            source.emitAt(0, i, i);
        }
        source.complete();
        Pipeline pipeline = stage.apply(
                        Onceflow.pipeline("errors")
                                .checkpointEvery(Duration.ZERO)
                                .checkpointAfterRecords(4)
                                .meterRegistry(new SimpleMeterRegistry())
                                .checkpointTimeout(Duration.ofSeconds(2))
                                .restartPolicy(RestartPolicy.defaults()
                                        .withMaxAttempts(2)
                                        .withBackoff(Duration.ZERO, Duration.ofMillis(1)))
                                .from(source),
                        () -> true)
                .to(InMemoryCommitPoint.<Integer>create().withDeadLetters());

        Flux<CheckpointEvent> run = pipeline.run();

        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> run.blockLast(Duration.ofSeconds(20))))
                .isInstanceOf(
                        name.equals("flatMap inner publisher")
                                ? CheckpointTimeoutException.class
                                : StageFailedException.class);
        assertThat(pipeline.status().state()).isEqualTo(PipelineStatus.State.FAILED);
        assertThat(pipeline.status().restarts()).isEqualTo(2);
    }
}
