package io.onceflow.core;

import static io.onceflow.core.Ledger.payment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.Ledger.Payment;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * A stateful operator's name is its state's identity in the commit point. Two operators never share one; a durable
 * commit point refuses names made up from positions; committed state of an operator the pipeline no longer has
 * stops it unless dropping that state is allowed.
 *
 * <p>Before names were checked, two keyed counters both called {@code count} shared (operator, partition, key): a
 * restart restored the second's state into the first, and a key's counts read {@code [1, 2, 1]}.
 */
class OperatorIdentityTest {

    private static Pipeline counting(
            TestSource<Payment> source,
            CommitPoint<Long> sink,
            Function<CheckpointedFlux<Payment>, CheckpointedFlux<Long>> chain,
            String... droppable) {
        return chain.apply(Onceflow.pipeline("identity")
                        .checkpointEvery(Duration.ZERO)
                        .checkpointAfterRecords(1)
                        .meterRegistry(new SimpleMeterRegistry())
                        .restartPolicy(RestartPolicy.never())
                        .allowDroppingState(droppable)
                        .from(source))
                .to(sink);
    }

    private static Keyed<Payment, String, Long, Long> countNamed(String name) {
        return Keyed.update(Payment::account, account -> 0L, (Long count, Payment p) -> count + 1)
                .named(name);
    }

    @Test
    void twoStatefulOperatorsOfOneNameAreRefusedAtAssembly() {
        TestSource<Payment> source = TestSource.create();
        assertThatThrownBy(() -> counting(
                        source,
                        InMemoryCommitPoint.create(),
                        flux -> flux.keyed(countNamed("count"))
                                .map(count -> payment("a", count))
                                .keyed(countNamed("count"))))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("two stateful operators named 'count'")
                .hasMessageContaining("Give each a name of its own");
    }

    @Test
    void twoOfOneNameAssembledWithTransformStopTheRun() {
        TestSource<Payment> source = TestSource.<Payment>create().emit(payment("a", 1));
        Pipeline pipeline = counting(
                source,
                InMemoryCommitPoint.create(),
                flux -> flux.transform(countNamed("count"))
                        .map(count -> payment("a", count))
                        .transform(countNamed("count")));
        assertThatThrownBy(() -> pipeline.run().blockLast(Duration.ofSeconds(10)))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("two stateful operators named 'count'");
        assertThat(pipeline.status().state()).isEqualTo(PipelineStatus.State.FAILED);
    }

    @Test
    void aDurableCommitPointRefusesPositionalNames() {
        TestSource<Payment> source = TestSource.create();
        assertThatThrownBy(() -> counting(
                        source,
                        new Durable<>(InMemoryCommitPoint.create()),
                        flux -> flux.keyed(Payment::account, account -> 0L, (Long count, Payment p) -> count + 1)))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("[keyed-0] have no names of their own")
                .hasMessageContaining("keyed(\"balances\", key, initial, update)");
        // through transform, the run refuses it when it starts
        Pipeline transformed = counting(
                source,
                new Durable<>(InMemoryCommitPoint.create()),
                flux -> flux.transform(
                        Keyed.update(Payment::account, account -> 0L, (Long count, Payment p) -> count + 1)));
        assertThatThrownBy(() -> transformed.run().blockLast(Duration.ofSeconds(10)))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("have no names of their own");
    }

    @Test
    void stateOfAnOperatorThePipelineNoLongerHasStopsItUnlessItMayBeDropped() {
        TestSource<Payment> source = TestSource.<Payment>create().emit(payment("a", 1), payment("b", 1));
        InMemoryCommitPoint<Long> sink = InMemoryCommitPoint.create();
        counting(source, sink, flux -> flux.keyed(countNamed("count")))
                .run()
                .take(2)
                .blockLast(Duration.ofSeconds(10));
        assertThat(sink.committedState("count")).containsOnlyKeys("test-0/a", "test-0/b");

        // version 2 renamed the operator: its state would be lost silently, so the run refuses to start
        source.emit(payment("a", 1));
        Pipeline renamed = counting(source, sink, flux -> flux.keyed(countNamed("payments-per-account")));
        assertThatThrownBy(() -> renamed.run().blockLast(Duration.ofSeconds(10)))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("holds state of [count]")
                .hasMessageContaining("it has [payments-per-account]")
                .hasMessageContaining("allowDroppingState(\"count\")");
        assertThat(sink.committed()).containsExactly(1L, 1L);

        // allowed, the old state is dropped, removed from the commit point, and the new operator starts afresh
        counting(source, sink, flux -> flux.keyed(countNamed("payments-per-account")), "count")
                .run()
                .take(1)
                .blockLast(Duration.ofSeconds(10));
        assertThat(sink.committed()).containsExactly(1L, 1L, 1L);
        assertThat(sink.committedState("count")).isEmpty();
        assertThat(sink.committedState("payments-per-account")).containsOnlyKeys("test-0/a");
    }

    @Test
    void namedOperatorsKeepTheirOwnStateAcrossARestart() {
        TestSource<Payment> source = TestSource.<Payment>create().emit(payment("a", 1), payment("a", 1));
        InMemoryCommitPoint<Long> sink = InMemoryCommitPoint.create();
        Function<CheckpointedFlux<Payment>, CheckpointedFlux<Long>> twoCounters =
                flux -> flux.keyed(countNamed("first"))
                        .map(count -> payment("a", count * 10))
                        .keyed(countNamed("second"));
        counting(source, sink, twoCounters).run().take(2).blockLast(Duration.ofSeconds(10));
        source.emit(payment("a", 1));
        counting(source, sink, twoCounters).run().take(1).blockLast(Duration.ofSeconds(10));
        assertThat(sink.committed()).containsExactly(1L, 2L, 3L);
        assertThat(sink.committedState("first")).containsEntry("test-0/a", "3");
    }

    /** An in-memory commit point that says it is durable, as Kafka's and PostgreSQL's are. */
    private record Durable<T>(InMemoryCommitPoint<T> delegate) implements CommitPoint<T> {
        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public Mono<CommitPointWriter<T>> open(SinkContext context) {
            return delegate.open(context);
        }
    }
}
