package io.onceflow.chaos.processor;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.chaos.shapes.Shape;
import io.onceflow.chaos.shapes.ShapeGenerator;
import io.onceflow.chaos.shapes.ShapePipelines;
import io.onceflow.core.ProtocolListener;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.ConnectionFactories;
import java.io.PrintStream;
import java.time.Duration;

/**
 * Runs the generated shapes whose commit point is the processor's job's (Kafka for the Kafka job, PostgreSQL for the
 * PostgreSQL one) beside the ledger, so that every fault the campaign deals the processor hits them too. A shape
 * whose pipeline stops for good stops the processor, as the ledger's does (the campaign starts it again); its
 * failed checkpoints are logged, not reported as the job's.
 */
final class ShapeRunner {

    private ShapeRunner() {}

    static void start(ProcessorSettings settings, ProtocolListener crashSwitch, PrintStream out) {
        if (settings.shapeCount() == 0) {
            return;
        }
        ConnectionPool database =
                new ConnectionPool(ConnectionPoolConfiguration.builder(ConnectionFactories.get(settings.r2dbcUrl()))
                        .initialSize(0)
                        .maxSize(6)
                        .maxAcquireTime(Duration.ofSeconds(10))
                        .maxCreateConnectionTime(Duration.ofSeconds(10))
                        .build());
        boolean kafka = settings.variant().kafkaCommitPoint();
        for (Shape shape : ShapeGenerator.shapes(settings.shapeSeed(), settings.shapeCount())) {
            if (shape.sinks().kafkaCommitPoint() != kafka) {
                continue;
            }
            ShapePipelines.create(
                            shape,
                            settings.bootstrapServers(),
                            database,
                            settings.instanceId(),
                            settings.membership(),
                            crashSwitch,
                            new SimpleMeterRegistry())
                    .run()
                    .subscribe(
                            event -> {
                                if (event.failed()) {
                                    out.println(shape.pipeline() + " checkpoint " + event.checkpointId() + " failed: "
                                            + event.error()
                                                    .map(LedgerProcessor::describe)
                                                    .orElse("?"));
                                }
                            },
                            error -> {
                                ProcessorLines.print(
                                        out,
                                        ProcessorLines.STOPPED,
                                        shape.pipeline() + ": " + LedgerProcessor.describe(error));
                                Runtime.getRuntime().halt(LedgerProcessor.STOPPED_EXIT_CODE);
                            });
        }
    }
}
