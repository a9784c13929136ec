package io.onceflow.core;

import static io.onceflow.core.Ledger.balance;
import static io.onceflow.core.Ledger.payment;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.Ledger.Balance;
import io.onceflow.core.Ledger.Payment;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class PipelineTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void commitsKeyedStateAndRecoversAfterAFailedCommit() {
        TestSource<Payment> source = TestSource.create();
        InMemoryCommitPoint<Balance> sink = InMemoryCommitPoint.create();

        StepVerifier.withVirtualTime(() -> Onceflow.pipeline("t")
                        .checkpointEvery(Duration.ofSeconds(1))
                        .meterRegistry(meters)
                        .from(source)
                        .keyed(Payment::account, Balance::empty, Balance::apply)
                        .to(sink)
                        .run())
                .then(() -> source.emit(payment("a", 10), payment("a", 5)))
                .then(() -> assertThat(sink.committed()).isEmpty())
                .then(() -> assertThat(sink.pending()).hasSize(2))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(e -> assertThat(e).isEqualTo(CheckpointEvent.completed(1)))
                .then(() -> assertThat(sink.committed()).containsExactly(balance("a", 10, 1), balance("a", 15, 2)))
                .then(sink::failNextCommit)
                .then(() -> source.emit(payment("a", 1)))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(e -> assertThat(e.failed()).isTrue())
                .thenAwait(Duration.ofSeconds(5))
                .assertNext(e -> assertThat(e).isEqualTo(CheckpointEvent.completed(2)))
                .then(() -> assertThat(sink.committed())
                        .containsExactly(balance("a", 10, 1), balance("a", 15, 2), balance("a", 16, 3)))
                .then(() -> assertThat(source.opens()).isEqualTo(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }
}
