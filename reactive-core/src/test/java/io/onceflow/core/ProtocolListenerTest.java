package io.onceflow.core;

import static io.onceflow.core.Ledger.payment;
import static io.onceflow.core.VirtualTime.withVirtualTime;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.Ledger.Balance;
import io.onceflow.core.Ledger.Payment;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.InMemoryIdempotentSink;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

// The protocol listener: which points the engine reaches, in which order, and what a listener that throws does.
class ProtocolListenerTest {

    private final TestSource<Payment> source = TestSource.create();
    private final InMemoryCommitPoint<Balance> ledger = InMemoryCommitPoint.create("ledger");
    private final InMemoryIdempotentSink<Balance, String> balances =
            InMemoryIdempotentSink.create("balances", Balance::account);
    private final List<String> heard = new CopyOnWriteArrayList<>();

    private Pipeline pipeline(ProtocolListener listener) {
        return Onceflow.pipeline("listened")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(Duration.ofSeconds(1))
                .restartPolicy(RestartPolicy.defaults()
                        .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1))
                        .withJitter(0))
                .protocolListener(listener)
                .from(source)
                .keyed(Payment::account, Balance::empty, Balance::apply)
                .to(List.of(ledger, balances));
    }

    /** Records each point with what the two sinks hold at that moment. */
    private ProtocolListener recorder() {
        return (point, checkpointId) -> heard.add(point + " " + checkpointId + " flushed=" + balances.applied()
                + " committed=" + ledger.committed().size());
    }

    @Test
    void theEngineReachesRestoreOnAssignmentThenFlushAndCommitOncePerCheckpoint() {
        withVirtualTime(() -> pipeline(recorder()).run())
                .then(() -> source.emit(payment("a", 10), payment("b", 5), payment("a", 1)))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> source.emit(payment("c", 7)))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        // once per checkpoint, never per record; the flush is durable and the commit not yet made at AFTER_FLUSH
        assertThat(heard)
                .containsExactly(
                        "DURING_RESTORE -1 flushed=0 committed=0",
                        "AFTER_FLUSH 1 flushed=3 committed=0",
                        "AFTER_COMMIT 1 flushed=3 committed=3",
                        "AFTER_FLUSH 2 flushed=4 committed=3",
                        "AFTER_COMMIT 2 flushed=4 committed=4");
    }

    @Test
    void aListenerThatThrowsAfterTheFlushFailsTheCheckpointAndTheReplayLeavesTheIdempotentSinkUnchanged() {
        AtomicInteger flushes = new AtomicInteger();
        ProtocolListener failOnce = (point, checkpointId) -> {
            if (point == ProtocolPoint.AFTER_FLUSH && flushes.incrementAndGet() == 1) {
                throw new IllegalStateException("crash between the flush and the commit");
            }
        };
        withVirtualTime(() -> pipeline(failOnce).run())
                .then(() -> source.emit(payment("a", 10), payment("b", 5)))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> assertThat(event.failed()).isTrue())
                .then(() -> assertThat(ledger.committed()).isEmpty())
                .then(() -> assertThat(balances.table()).containsOnlyKeys("a", "b"))
                .thenAwait(Duration.ofSeconds(2))
                .expectNext(CheckpointEvent.completed(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(ledger.committed()).containsExactly(new Balance("a", 10, 1), new Balance("b", 5, 1));
        assertThat(balances.suppressedDuplicates()).isEqualTo(2);
    }

    @Test
    void aListenerThatThrowsAfterTheCommitFailsTheCheckpointWithoutAReplay() {
        AtomicInteger commits = new AtomicInteger();
        ProtocolListener failOnce = (point, checkpointId) -> {
            if (point == ProtocolPoint.AFTER_COMMIT && commits.incrementAndGet() == 1) {
                throw new IllegalStateException("crash after the commit, before the source hears of it");
            }
        };
        withVirtualTime(() -> pipeline(failOnce).run())
                .then(() -> source.emit(payment("a", 10), payment("b", 5)))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> assertThat(event.failed()).isTrue())
                .then(() -> source.emit(payment("a", 1)))
                .thenAwait(Duration.ofSeconds(2))
                .expectNext(CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(ledger.committed())
                .containsExactly(new Balance("a", 10, 1), new Balance("b", 5, 1), new Balance("a", 11, 2));
    }

    @Test
    void aListenerThatThrowsDuringRestoreFailsTheClaimAndTheNextRunResumes() {
        AtomicInteger restores = new AtomicInteger();
        ProtocolListener failOnce = (point, checkpointId) -> {
            if (point == ProtocolPoint.DURING_RESTORE && restores.incrementAndGet() == 1) {
                throw new IllegalStateException("crash during the restore");
            }
        };
        Pipeline pipeline = pipeline(failOnce);
        withVirtualTime(pipeline::run)
                .then(() -> source.emit(payment("a", 10)))
                .thenAwait(Duration.ofSeconds(3))
                .expectNext(CheckpointEvent.completed(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(restores).hasValue(2);
        assertThat(source.opens()).isEqualTo(1); // the first run never got its partitions
        assertThat(ledger.committed()).containsExactly(new Balance("a", 10, 1));
    }

    @Test
    void noListenerByDefault() {
        assertThat(PipelineOptions.defaults("p").protocolListener()).isSameAs(ProtocolListener.none());
        SinkContext outsideAPipeline = new SinkContext() {
            @Override
            public String pipeline() {
                return "p";
            }

            @Override
            public String instanceId() {
                return "0";
            }

            @Override
            public MeterRegistry meterRegistry() {
                return new SimpleMeterRegistry();
            }

            @Override
            public Tags tags() {
                return Tags.empty();
            }

            @Override
            public Scheduler scheduler() {
                return Schedulers.immediate();
            }
        };
        assertThat(outsideAPipeline.protocolListener()).isSameAs(ProtocolListener.none());
        ProtocolListener.none().reached(ProtocolPoint.AFTER_COMMIT, 1); // does nothing, throws nothing
    }
}
