package io.onceflow.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.onceflow.core.OnceflowMeters;
import io.onceflow.core.Pipeline;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.support.GenericApplicationContext;

/** The runner's meters, in the registry the pipeline uses, as the pipelines run. */
class OnceflowMeterBinderTest {

    private final TestPipelines.Fixture ledger = TestPipelines.pipeline("ledger", Duration.ofHours(1));
    private final MeterRegistry registry = ledger.meters();
    private final GenericApplicationContext context = new GenericApplicationContext();
    private final OnceflowRunner runner = new OnceflowRunner(
            List.<Pipeline>of(ledger.pipeline()),
            List.of(),
            OnceflowProperties.defaults(),
            context,
            new FailureResponse(context, status -> {}));
    private final OnceflowMeterBinder binder = new OnceflowMeterBinder(runner);

    @AfterEach
    void close() {
        binder.destroy();
        runner.stop();
        runner.destroy();
    }

    @Test
    void runningIsOneWhileThePipelineRuns() {
        binder.bindTo(registry);
        double before = registry.get(OnceflowMeterBinder.RUNNING)
                .tag("pipeline", "ledger")
                .gauge()
                .value();
        runner.pipeline("ledger").start();
        double during = registry.get(OnceflowMeterBinder.RUNNING).gauge().value();
        runner.pipeline("ledger").abort().block(Duration.ofSeconds(10));
        assertThat(before).isZero();
        assertThat(during).isOne();
        assertThat(registry.get(OnceflowMeterBinder.RUNNING).gauge().value()).isZero();
    }

    @Test
    void theRevocationCounterExistsOnceTheSourceIsOpen() {
        binder.bindTo(registry);
        runner.pipeline("ledger").start();
        // the core registers it when the source opens: a dashboard finds the series before any revocation
        await().untilAsserted(() -> assertThat(registry.get(OnceflowMeters.RECORDS_DROPPED_REVOKED)
                        .tag(OnceflowMeters.TAG_PIPELINE, "ledger")
                        .tag(OnceflowMeters.TAG_SOURCE, ledger.source().name())
                        .counter()
                        .count())
                .isZero());
    }
}
