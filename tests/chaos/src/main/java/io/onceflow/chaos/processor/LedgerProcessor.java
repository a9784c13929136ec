package io.onceflow.chaos.processor;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Pipeline;
import io.onceflow.core.PipelineStatus;
import io.onceflow.testinfra.ChildProcesses;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.ConnectionFactories;
import java.io.PrintStream;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The processor application: one instance of a ledger job, in a JVM of its own, configured by its command line (see
 * {@link ProcessorSettings}), run and killed by the campaign.
 *
 * <p>It runs until it is killed, halts at its armed protocol point ({@link CrashSwitch}), or its pipeline stops for
 * good (exit code 2, for instance once fenced: the campaign starts it again). It halts by itself when the JVM that
 * started it dies, so that no processor outlives a killed test JVM. Besides its log, it prints {@link ProcessorLines}
 * for the campaign: every restart of its pipeline with the cause, every failed checkpoint, every rebalance and
 * restore.
 *
 * <pre>
 *   java -cp ... io.onceflow.chaos.processor.LedgerProcessor --variant=KAFKA --bootstrap=127.0.0.1:9092 \
 *       --r2dbc=r2dbc:postgresql://postgres@127.0.0.1:5432/ledger --instance=1 --crash-at=AFTER_FLUSH:5
 * </pre>
 */
public final class LedgerProcessor {

    /** The exit code of a processor whose pipeline stopped for good. */
    public static final int STOPPED_EXIT_CODE = 2;

    private LedgerProcessor() {}

    public static void main(String[] args) throws InterruptedException {
        ChildProcesses.haltWhenParentDies();
        ProcessorSettings settings = ProcessorSettings.parse(args);
        PrintStream out = System.out;
        ConnectionPool database =
                new ConnectionPool(ConnectionPoolConfiguration.builder(ConnectionFactories.get(settings.r2dbcUrl()))
                        .initialSize(0)
                        .maxSize(4)
                        .maxAcquireTime(Duration.ofSeconds(10))
                        .maxCreateConnectionTime(Duration.ofSeconds(10))
                        .build());
        CrashSwitch crashSwitch = new CrashSwitch(settings.crashPoint(), settings.crashAfter(), out);
        Pipeline pipeline = LedgerPipelines.create(settings, database, crashSwitch, new SimpleMeterRegistry());
        ProcessorLines.print(out, ProcessorLines.STARTED, String.join(" ", settings.toArguments()));
        ShapeRunner.start(settings, crashSwitch.quiet(), out);
        pipeline.run()
                .subscribe(
                        event -> reportFailure(out, event),
                        error -> {
                            ProcessorLines.print(out, ProcessorLines.STOPPED, describe(error));
                            Runtime.getRuntime().halt(STOPPED_EXIT_CODE);
                        },
                        () -> {
                            ProcessorLines.print(out, ProcessorLines.STOPPED, "the source completed");
                            Runtime.getRuntime().halt(STOPPED_EXIT_CODE);
                        });
        watchRestarts(pipeline, out);
    }

    private static void reportFailure(PrintStream out, CheckpointEvent event) {
        if (event.failed()) {
            ProcessorLines.print(
                    out,
                    ProcessorLines.FAILED,
                    event.checkpointId() + " "
                            + event.error().map(LedgerProcessor::describe).orElse("?"));
        }
    }

    /** Prints each restart of the pipeline with its cause: the campaign reads them to see a zombie fenced. */
    private static void watchRestarts(Pipeline pipeline, PrintStream out) throws InterruptedException {
        long restarts = 0;
        while (true) {
            PipelineStatus status = pipeline.status();
            if (status.restarts() > restarts) {
                restarts = status.restarts();
                ProcessorLines.print(out, ProcessorLines.RESTART, restarts + " " + describe(status.lastError()));
            }
            Thread.sleep(100);
        }
    }

    /** The failure and its causes, one line. */
    static String describe(@Nullable Throwable error) {
        if (error == null) {
            return "?";
        }
        StringBuilder text = new StringBuilder();
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (text.length() > 0) {
                text.append(" <- ");
            }
            text.append(cause.getClass().getSimpleName()).append(": ").append(cause.getMessage());
            if (cause.getCause() == cause) {
                break;
            }
        }
        return text.toString();
    }
}
