package io.onceflow.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Pipeline;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.context.support.GenericApplicationContext;

/** The {@code onceflow} endpoint's operations, called directly (the HTTP mapping is Actuator's, tested in the IT). */
class OnceflowEndpointTest {

    private final TestPipelines.Fixture ledger = TestPipelines.pipeline("ledger", Duration.ofHours(1));
    private final TestPipelines.Fixture audit = TestPipelines.pipeline("audit", Duration.ofHours(1));
    private final GenericApplicationContext context = new GenericApplicationContext();
    private final OnceflowRunner runner = new OnceflowRunner(
            List.<Pipeline>of(ledger.pipeline(), audit.pipeline()),
            List.of(),
            OnceflowProperties.defaults(),
            context,
            new FailureResponse(context, status -> {}));
    private final OnceflowEndpoint endpoint = new OnceflowEndpoint(runner);

    @AfterEach
    void close() {
        runner.stop();
        runner.destroy();
    }

    @Test
    void listsEveryPipelineWithItsStateAndLastCheckpoints() {
        runner.pipeline("ledger").start();
        ledger.source().emit("a", "b");
        for (int i = 0; i < 12; i++) {
            runner.pipeline("ledger").checkpointNow().block(Duration.ofSeconds(10));
        }
        assertThat(endpoint.pipelines()).containsOnlyKeys("ledger", "audit");
        PipelineReport report = endpoint.pipelines().get("ledger");
        assertThat(report.state()).isEqualTo(ManagedPipeline.State.RUNNING);
        assertThat(report.lastCompletedCheckpoint()).isEqualTo(12);
        assertThat(report.recentCheckpoints()).hasSize(OnceflowEndpoint.CHECKPOINTS);
        assertThat(report.recentCheckpoints()
                        .get(OnceflowEndpoint.CHECKPOINTS - 1)
                        .id())
                .isEqualTo(12);
        assertThat(report.recentCheckpoints().get(0).id()).isEqualTo(3);
        assertThat(endpoint.pipelines().get("audit").state()).isEqualTo(ManagedPipeline.State.NOT_STARTED);
    }

    @Test
    void readsOnePipeline() {
        assertThat(endpoint.pipeline("audit").name()).isEqualTo("audit");
        assertThat(endpoint.pipeline("nothing")).isNull();
    }

    @Test
    void forcesACheckpoint() {
        runner.pipeline("ledger").start();
        ledger.source().emit("a");
        CheckpointRecord record = endpoint.checkpoint("ledger").block(Duration.ofSeconds(10));
        assertThat(record.outcome()).isEqualTo(CheckpointEvent.Outcome.COMPLETED);
        assertThat(record.records()).isEqualTo(1);
        assertThat(ledger.sink().committed()).containsExactly("A");
    }

    @Test
    void refusesAnUnknownOrStoppedPipelineWithA400() {
        assertThatThrownBy(() -> endpoint.checkpoint("nothing").block())
                .isInstanceOf(InvalidEndpointRequestException.class)
                .hasMessageContaining("no pipeline called 'nothing'");
        assertThatThrownBy(() -> endpoint.checkpoint("audit").block())
                .isInstanceOf(InvalidEndpointRequestException.class)
                .hasMessageContaining("not running");
    }
}
