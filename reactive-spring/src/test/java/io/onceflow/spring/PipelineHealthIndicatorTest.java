package io.onceflow.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.PipelineStatus;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import reactor.test.scheduler.VirtualTimeScheduler;

/** A pipeline's health in each state, and the age of its last checkpoint against the maximum, on virtual time. */
class PipelineHealthIndicatorTest {

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final TestPipelines.Fixture ledger = TestPipelines.pipeline("ledger", Duration.ofHours(1), time);
    private final ManagedPipeline managed = new ManagedPipeline(
            ledger.pipeline(),
            new OnceflowProperties.PipelineSettings(
                    "0",
                    Duration.ofSeconds(1),
                    0,
                    0,
                    1,
                    Duration.ofSeconds(60),
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(30),
                    OnceflowProperties.Restart.defaults()),
            false,
            failed -> {});
    private final PipelineHealthIndicator indicator = new PipelineHealthIndicator(managed);

    @AfterEach
    void close() {
        managed.close();
        time.dispose();
    }

    private Health health() {
        return indicator.health().block();
    }

    @Test
    void unknownBeforeItStarts() {
        assertThat(health().getStatus()).isEqualTo(Status.UNKNOWN);
        assertThat(health().getDetails()).containsEntry("state", "NOT_STARTED");
        managed.preparing();
        assertThat(health().getDetails()).containsEntry("reason", "preparing to start");
    }

    @Test
    void upWhileItsLastCheckpointIsRecentDownOnceOlderThanTheMaximum() {
        managed.start();
        assertThat(health().getStatus()).as("just started").isEqualTo(Status.UP);
        time.advanceTimeBy(Duration.ofSeconds(31));
        assertThat(health().getStatus()).as("no checkpoint since the start").isEqualTo(Status.DOWN);
        assertThat(health().getDetails().get("reason").toString()).contains("since it started");

        CheckpointEvent first = managed.checkpointNow().block(Duration.ofSeconds(10));
        assertThat(first.completed()).isTrue();
        assertThat(health().getStatus()).isEqualTo(Status.UP);
        assertThat(health().getDetails())
                .containsEntry("lastCompletedCheckpoint", 1L)
                .containsEntry("lastCheckpointAgeMillis", 0L)
                .containsEntry("maxCheckpointAgeMillis", 30_000L)
                .containsEntry("restarts", 0L);
        time.advanceTimeBy(Duration.ofSeconds(31));
        assertThat(health().getStatus()).isEqualTo(Status.DOWN);
        assertThat(health().getDetails().get("reason").toString()).contains("older than 30000 ms");
    }

    @Test
    void downWhenAbortedOrFailedOutOfServiceWhenStopped() {
        managed.start();
        managed.abort().block(Duration.ofSeconds(10));
        expect(Status.DOWN, details -> assertThat(details.getDetails()).containsEntry("state", "ABORTED"));
        managed.start();
        managed.stop().block(Duration.ofSeconds(10));
        await().until(() -> managed.state() == ManagedPipeline.State.STOPPED);
        expect(Status.OUT_OF_SERVICE, details -> {});
        managed.preparationFailed(new IllegalStateException("no table"));
        expect(
                Status.DOWN,
                details -> assertThat(details.getDetails())
                        .containsEntry("state", "FAILED")
                        .containsEntry("lastError", "java.lang.IllegalStateException: no table"));
    }

    @Test
    void upWhenItsSourceCompleted() {
        managed.start();
        ledger.source().complete();
        await().until(() -> managed.state() == ManagedPipeline.State.COMPLETED);
        expect(Status.UP, details -> assertThat(details.getDetails()).containsEntry("reason", "its source completed"));
    }

    @Test
    void downWhileTheRestartPolicyWaits() {
        managed.start();
        ledger.sink().failNextCommit();
        ledger.source().emit("x");
        managed.checkpointNow()
                .onErrorResume(e -> reactor.core.publisher.Mono.empty())
                .block();
        await().until(() -> ledger.pipeline().status().state() == PipelineStatus.State.RESTARTING);
        expect(Status.DOWN, details -> assertThat(details.getDetails()).containsEntry("state", "RESTARTING"));
    }

    private void expect(Status status, Consumer<Health> details) {
        Health health = health();
        assertThat(health.getStatus()).isEqualTo(status);
        details.accept(health);
    }
}
