package io.onceflow.spring;

import java.util.function.BiConsumer;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What the application does when a pipeline gives up, per {@code onceflow.runner.on-failure}: nothing more than the
 * log and the DOWN health ({@code log}), a BROKEN liveness for an orchestrator to act on ({@code break-liveness}), or
 * an exit with status 1 after the context has closed ({@code exit}), so that a supervisor restarts the process.
 */
final class FailureResponse implements BiConsumer<ManagedPipeline, OnceflowProperties.OnFailure> {

    private static final Logger LOG = LoggerFactory.getLogger(FailureResponse.class);

    private final ConfigurableApplicationContext context;
    private final IntConsumer exit;

    /**
     * @param context the application's context
     * @param exit ends the process with a status: {@code System::exit}, or a test's stand-in
     */
    FailureResponse(ConfigurableApplicationContext context, IntConsumer exit) {
        this.context = context;
        this.exit = exit;
    }

    @Override
    public void accept(ManagedPipeline pipeline, OnceflowProperties.OnFailure response) {
        switch (response) {
            case LOG:
                return;
            case BREAK_LIVENESS:
                LOG.error("pipeline={} gave up: the application's liveness is now BROKEN", pipeline.name());
                AvailabilityChangeEvent.publish(context, LivenessState.BROKEN);
                return;
            case EXIT:
                LOG.error(
                        "pipeline={} gave up: the application stops (onceflow.runner.on-failure=exit)",
                        pipeline.name());
                AvailabilityChangeEvent.publish(context, LivenessState.BROKEN);
                // not on the pipeline's thread: closing the context stops the other pipelines, and waits for them
                Thread stopping =
                        new Thread(() -> exit.accept(SpringApplication.exit(context, () -> 1)), "onceflow-exit");
                stopping.setDaemon(false);
                stopping.start();
                return;
            default:
                throw new IllegalStateException("unknown response " + response);
        }
    }
}
