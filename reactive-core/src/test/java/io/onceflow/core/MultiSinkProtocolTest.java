package io.onceflow.core;

import static io.onceflow.core.Ledger.payment;
import static io.onceflow.core.VirtualTime.withVirtualTime;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.Ledger.Balance;
import io.onceflow.core.Ledger.Payment;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.InMemoryIdempotentSink;
import io.onceflow.core.testkit.ProtocolStep;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

// The protocol with several sinks: idempotent participants flush first, the one commit point commits last.
class MultiSinkProtocolTest {

    private final TestSource<Payment> source = TestSource.create();
    private final InMemoryCommitPoint<Balance> ledger = InMemoryCommitPoint.create("ledger");
    private final InMemoryIdempotentSink<Balance, String> balances =
            InMemoryIdempotentSink.create("balances", Balance::account);
    private final List<String> protocol = new CopyOnWriteArrayList<>();

    private Pipeline pipeline(List<? extends Sink<Balance>> sinks) {
        return Onceflow.pipeline("multi")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(Duration.ofSeconds(1))
                .restartPolicy(RestartPolicy.defaults()
                        .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1))
                        .withJitter(0))
                .from(source)
                .keyed(Payment::account, Balance::empty, Balance::apply)
                .to(sinks);
    }

    private SlowCommitPoint<Balance> tracedLedger() {
        return SlowCommitPoint.wrap(ledger)
                .beforeCommit(id -> protocol.add("commit " + id + " sees " + balances.table()));
    }

    @Test
    void idempotentSinksFlushBeforeTheCommitPointCommits() {
        InMemoryIdempotentSink<Balance, String> audit = InMemoryIdempotentSink.create("audit", Balance::account);
        Pipeline pipeline = pipeline(List.of(
                tracedLedger(),
                new TracedSink<>(balances, Duration.ofSeconds(2)),
                new TracedSink<>(audit, Duration.ZERO)));

        withVirtualTime(pipeline::run)
                .then(() -> source.emit(payment("a", 10), payment("b", 5)))
                .thenAwait(Duration.ofSeconds(1))
                // the balances flush takes 2 s: the commit waits for it
                .thenAwait(Duration.ofMillis(1999))
                .then(() -> assertThat(ledger.committed()).isEmpty())
                .thenAwait(Duration.ofMillis(1))
                .expectNext(CheckpointEvent.completed(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(protocol)
                .containsExactlyInAnyOrder(
                        "flush balances 1 at 1000",
                        "flush audit 1 at 1000",
                        "flushed balances 1 at 3000",
                        "flushed audit 1 at 1000",
                        "commit 1 sees {a=Balance[account=a, cents=10, payments=1], "
                                + "b=Balance[account=b, cents=5, payments=1]}");
        assertThat(protocol.get(protocol.size() - 1)).startsWith("commit 1");
        assertThat(audit.table()).containsOnlyKeys("a", "b");
    }

    @Test
    void aFailedCommitAfterASuccessfulFlushReplaysIntoTheIdempotentSinkWithoutEffect() {
        Pipeline pipeline = pipeline(List.of(tracedLedger(), balances));

        withVirtualTime(pipeline::run)
                .then(() -> source.emit(payment("a", 10), payment("b", 5)))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(ledger::failNextCommit)
                .then(() -> source.emit(payment("a", 1), payment("a", 2), payment("c", 7)))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> assertThat(event.failed()).isTrue())
                // the flush went through before the commit failed: the idempotent sink is ahead of the ledger
                .then(() -> assertThat(balances.table()).containsKey("c"))
                .then(() -> assertThat(ledger.committed()).hasSize(2))
                .thenAwait(Duration.ofSeconds(2))
                .expectNext(CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(balances.suppressedDuplicates()).isEqualTo(3);
        assertThat(balances.table()).isEqualTo(failureFreeTable());
        assertThat(ledger.committed()).hasSize(5);
        assertThat(ledger.committed().get(4)).isEqualTo(new Balance("c", 7, 1));
    }

    @Test
    void aCommitAppliedButNotAcknowledgedIsNotReplayed() {
        Pipeline pipeline = pipeline(List.of(ledger, balances));

        withVirtualTime(pipeline::run)
                .then(() -> source.emit(payment("a", 10), payment("b", 5)))
                .then(() -> ledger.failNext(ProtocolStep.AFTER_COMMIT))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> assertThat(event.failed()).isTrue())
                .then(() -> source.emit(payment("a", 1), payment("a", 2), payment("c", 7)))
                .thenAwait(Duration.ofSeconds(2))
                .expectNext(CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(balances.suppressedDuplicates()).isZero();
        assertThat(balances.table()).isEqualTo(failureFreeTable());
        assertThat(ledger.committed()).hasSize(5);
    }

    @Test
    void anIdempotentFlushFailureFailsTheCheckpointBeforeTheCommitPointCommitsAnything() {
        Pipeline pipeline = pipeline(List.of(tracedLedger(), balances));

        withVirtualTime(pipeline::run)
                .then(() -> source.emit(payment("a", 10), payment("b", 5)))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(balances::failNextFlush)
                .then(() -> source.emit(payment("a", 1), payment("a", 2), payment("c", 7)))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> {
                    assertThat(event.failed()).isTrue();
                    assertThat(event.checkpointId()).isEqualTo(2);
                    assertThat(event.error())
                            .get()
                            .isInstanceOf(CheckpointFailedException.class)
                            .satisfies(error -> assertThat(error.getMessage()).contains("failed in 'balances'"));
                })
                .then(() -> assertThat(protocol).hasSize(1))
                .then(() -> assertThat(ledger.commits()).isEqualTo(1))
                .then(() -> assertThat(ledger.committed()).hasSize(2))
                .then(() -> assertThat(ledger.lastCheckpoint()).isEqualTo(1))
                .thenAwait(Duration.ofSeconds(2))
                .expectNext(CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(balances.table()).isEqualTo(failureFreeTable());
        assertThat(ledger.committed()).hasSize(5);
    }

    /** The testkit's held flush: the commit point waits for it, as for any slow participant. */
    @Test
    void aHeldFlushHoldsTheCommitUntilItIsReleased() {
        Sinks.Empty<Void> release = Sinks.empty();
        Pipeline pipeline = pipeline(List.of(tracedLedger(), balances.holdNextFlush(release.asMono())));

        withVirtualTime(pipeline::run)
                .then(() -> source.emit(payment("a", 10), payment("b", 5)))
                .thenAwait(Duration.ofSeconds(5))
                .then(() -> assertThat(ledger.commits()).isZero())
                .then(() -> assertThat(balances.table()).isEmpty())
                .then(release::tryEmitEmpty)
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> source.emit(payment("a", 1)))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(balances.table()).containsOnlyKeys("a", "b");
        assertThat(protocol).hasSize(2);
    }

    @Test
    void theSourceHearsOfEachCompletedCheckpointAfterTheCommitPointCommittedIt() {
        InstrumentedSource<Payment> instrumented = InstrumentedSource.of(source);
        List<String> heard = new CopyOnWriteArrayList<>();
        Pipeline pipeline = Onceflow.pipeline("multi")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(Duration.ofSeconds(1))
                .restartPolicy(RestartPolicy.defaults()
                        .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1))
                        .withJitter(0))
                .from(instrumented)
                .keyed(Payment::account, Balance::empty, Balance::apply)
                .to(ledger, balances);

        withVirtualTime(pipeline::run)
                .then(() -> instrumented
                        .context()
                        .completedCheckpoints()
                        .subscribe(marker -> heard.add(marker.checkpointId() + " " + marker.positions() + " committed "
                                + ledger.lastCheckpoint())))
                .then(() -> source.emit(payment("a", 10)))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(ledger::failNextCommit)
                .then(() -> source.emit(payment("a", 1)))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> assertThat(event.failed()).isTrue())
                .then(() -> source.emit(payment("b", 2)))
                .thenAwait(Duration.ofSeconds(2))
                .expectNext(CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        // the failed checkpoint is never announced; the restarted run is a new context, unheard here
        assertThat(heard).containsExactly("1 {test-0=1} committed 1");
    }

    /** The table a run without failures leaves, over the same payments. */
    private Map<String, Balance> failureFreeTable() {
        TestSource<Payment> replay = TestSource.create();
        InMemoryIdempotentSink<Balance, String> table = InMemoryIdempotentSink.create("balances", Balance::account);
        Pipeline clean = Onceflow.pipeline("clean")
                .meterRegistry(new SimpleMeterRegistry())
                .from(replay)
                .keyed(Payment::account, Balance::empty, Balance::apply)
                .to(InMemoryCommitPoint.create("ledger"), table);
        replay.emit(payment("a", 10), payment("b", 5), payment("a", 1), payment("a", 2), payment("c", 7))
                .complete();
        clean.run().blockLast(Duration.ofSeconds(10));
        return table.table();
    }

    /** An idempotent sink that notes in the protocol when each flush starts and ends, and can take its time. */
    private final class TracedSink<T> implements IdempotentSink<T> {
        private final IdempotentSink<T> delegate;
        private final Duration flushTime;

        TracedSink(IdempotentSink<T> delegate, Duration flushTime) {
            this.delegate = delegate;
            this.flushTime = flushTime;
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public Mono<SinkWriter<T>> open(SinkContext context) {
            return delegate.open(context).map(writer -> new Writer(writer, context.scheduler()));
        }

        private final class Writer implements SinkWriter<T> {
            private final SinkWriter<T> writer;
            private final Scheduler time;

            Writer(SinkWriter<T> writer, Scheduler time) {
                this.writer = writer;
                this.time = time;
            }

            @Override
            public void write(Data<T> record) {
                writer.write(record);
            }

            @Override
            public Mono<Void> checkpoint(Marker<?> marker) {
                Mono<Void> flush = writer.checkpoint(marker);
                String step = name() + " " + marker.checkpointId() + " at ";
                return Mono.fromRunnable(() -> protocol.add("flush " + step + time.now(TimeUnit.MILLISECONDS)))
                        .then(
                                flushTime.isZero()
                                        ? Mono.empty()
                                        : Mono.delay(flushTime, time).then())
                        .then(flush)
                        .doOnSuccess(done -> protocol.add("flushed " + step + time.now(TimeUnit.MILLISECONDS)));
            }

            @Override
            public int bufferedRecords() {
                return writer.bufferedRecords();
            }

            @Override
            public int maxBufferedRecords() {
                return writer.maxBufferedRecords();
            }

            @Override
            public Mono<Void> close() {
                return writer.close();
            }
        }
    }
}
