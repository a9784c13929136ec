package io.onceflow.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.InMemoryIdempotentSink;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Nothing in the pipeline engine blocks a Reactor thread: a pipeline with asynchronous operators, keyed state, two
 * participants, triggers on timers and a restart runs under BlockHound. Runs in its own surefire execution, since
 * BlockHound instruments the whole JVM.
 */
class NonBlockingBlockHoundTest {

    @BeforeAll
    static void installBlockHound() {
        BlockHound.install();
    }

    @Test
    void blockHoundIsActive() {
        Mono<Object> blocking = Mono.fromCallable(() -> {
                    Thread.sleep(1);
                    return new Object();
                })
                .subscribeOn(Schedulers.parallel());
        assertThatThrownBy(() -> blocking.block(Duration.ofSeconds(5)))
                .hasCauseInstanceOf(BlockingOperationError.class);
    }

    @Test
    void aPipelineWithRestartsNeverBlocksAReactorThread() {
        TestSource<Integer> source = TestSource.create("numbers", 3);
        for (int i = 0; i < 3_000; i++) {
            source.emitTo(i % 3, i);
        }
        source.complete();
        InMemoryCommitPoint<Long> sink = InMemoryCommitPoint.<Long>create("sums")
                .failRandomly(0.2, 3, io.onceflow.core.testkit.ProtocolStep.BEFORE_COMMIT);
        InMemoryIdempotentSink<Long, Long> index = InMemoryIdempotentSink.create("index", sum -> sum % 10);
        Pipeline pipeline = Onceflow.pipeline("non-blocking")
                .checkpointEvery(Duration.ofMillis(20))
                .checkpointAfterRecords(97)
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.defaults()
                        .withMaxAttempts(Long.MAX_VALUE)
                        .withBackoff(Duration.ofMillis(1), Duration.ofMillis(5)))
                .from(source)
                .flatMap(i -> Mono.just(i).publishOn(Schedulers.parallel()), 8)
                .keyed(i -> i % 10, key -> 0L, (sum, i) -> sum + i)
                .concatMap(sum -> Mono.just(sum).delayElement(Duration.ofMillis(0), Schedulers.parallel()))
                .to(sink, index);

        pipeline.run().subscribeOn(Schedulers.parallel()).blockLast(Duration.ofSeconds(60));

        assertThat(sink.committed()).hasSize(3_000);
        assertThat(sink.injectedFailures()).isPositive();
    }
}
