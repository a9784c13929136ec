package io.onceflow.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.codec.ServerSentEvent;
import reactor.test.StepVerifier;

/** Checkpoints as server-sent events: the recent ones first, then each new one; a slow client drops the oldest. */
class CheckpointServerSentEventsTest {

    private final TestPipelines.Fixture ledger = TestPipelines.pipeline("ledger", Duration.ofHours(1));
    private final ManagedPipeline managed =
            new ManagedPipeline(ledger.pipeline(), OnceflowProperties.PipelineSettings.defaults(), false, failed -> {});

    @AfterEach
    void close() {
        managed.close();
    }

    private void checkpoints(int count) {
        for (int i = 0; i < count; i++) {
            managed.checkpointNow().block(Duration.ofSeconds(10));
        }
    }

    @Test
    void aLateClientGetsTheRecentCheckpointsThenTheNewOnes() {
        managed.start();
        checkpoints(3);
        StepVerifier.create(CheckpointServerSentEvents.of(managed))
                .assertNext(event -> {
                    assertThat(event.event()).isEqualTo("checkpoint");
                    assertThat(event.id()).isEqualTo("1");
                    assertThat(event.data().completed()).isTrue();
                })
                .assertNext(event -> assertThat(event.id()).isEqualTo("2"))
                .assertNext(event -> assertThat(event.id()).isEqualTo("3"))
                .then(() -> checkpoints(1))
                .assertNext(event -> assertThat(event.id()).isEqualTo("4"))
                .then(managed::close)
                .verifyComplete();
    }

    @Test
    void theHistoryIsBounded() {
        managed.start();
        checkpoints(CheckpointHistory.SIZE + 5);
        StepVerifier.create(CheckpointServerSentEvents.of(managed).map(ServerSentEvent::id))
                .expectNext("6")
                .thenCancel()
                .verify();
        assertThat(managed.recentCheckpoints(1000)).hasSize(CheckpointHistory.SIZE);
    }

    @Test
    void aClientThatDoesNotReadLosesTheOldestNeverSlowsThePipeline() {
        managed.start();
        StepVerifier.create(CheckpointServerSentEvents.of(managed).map(ServerSentEvent::id), 0)
                .then(() -> checkpoints(CheckpointServerSentEvents.BUFFER + 10))
                .thenRequest(1)
                .expectNext("11")
                .thenCancel()
                .verify();
    }
}
