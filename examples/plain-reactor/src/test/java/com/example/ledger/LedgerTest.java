package com.example.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Onceflow;
import io.onceflow.core.Pipeline;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** The ledger on Onceflow's test kit: no server, virtual time. */
class LedgerTest {

    private final TestSource<Payment> source = TestSource.create();
    private final InMemoryCommitPoint<Balance> sink = InMemoryCommitPoint.create();

    @Test
    void balancesAreCommittedAtEachCheckpointAndAFailedCommitIsReplayedOnce() {
        StepVerifier.withVirtualTime(() -> Ledger.pipeline(source, sink).run())
                .then(() -> source.emit(new Payment("a", 10), new Payment("a", 5), new Payment("b", -1)))
                .then(() -> assertThat(sink.committed()).isEmpty()) // nothing visible before the checkpoint
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> assertThat(event).isEqualTo(CheckpointEvent.completed(1)))
                .then(() ->
                        assertThat(sink.committed()).containsExactly(new Balance("a", 10, 1), new Balance("a", 15, 2)))
                .then(sink::failNextCommit) // the next commit fails: the run restarts from checkpoint 1
                .then(() -> source.emit(new Payment("a", 1)))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> assertThat(event.failed()).isTrue())
                .thenAwait(Duration.ofSeconds(5)) // the restart policy's backoff
                .assertNext(event -> assertThat(event).isEqualTo(CheckpointEvent.completed(2)))
                .then(() -> assertThat(sink.committed()).last().isEqualTo(new Balance("a", 16, 3)))
                // the state the commit point holds for the operator, by source partition and key
                .then(() -> assertThat(sink.committedState(Ledger.BALANCES)).containsOnlyKeys("test-0/a"))
                .thenCancel()
                .verify();
    }

    /** A test that shares no meter with other tests: a registry of its own instead of Micrometer's global one. */
    @Test
    void aCheckpointOnDemand() {
        Pipeline pipeline = Onceflow.pipeline("on-demand")
                .meterRegistry(new SimpleMeterRegistry())
                .from(source)
                .keyed(Ledger.BALANCES, Payment::account, Balance::empty, Balance::apply)
                .to(sink);
        StepVerifier.create(pipeline.run())
                .then(() -> source.emit(new Payment("c", 7)))
                .then(() -> pipeline.checkpointNow().subscribe())
                .assertNext(event -> assertThat(event.records()).isEqualTo(1))
                .then(() -> pipeline.stop().subscribe()) // a final checkpoint, then the run completes
                .thenConsumeWhile(CheckpointEvent::completed)
                .verifyComplete();
        assertThat(sink.committed()).containsExactly(new Balance("c", 7, 1));
    }
}
