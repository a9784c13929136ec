package io.onceflow.demo;

import io.onceflow.spring.ManagedPipeline;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The crash button: kills the ledger pipeline abruptly, the way a killed process would stop it, and starts it again
 * after a downtime, to show that it recovers exactly. The pipeline itself is run by Onceflow's runner
 * ({@code reactive-spring}); this class only aborts and restarts it.
 *
 * <pre>
 *   crash ─▶ abort the run (no final checkpoint) ── downtime (CRASHED) ── start(): resumes from the last commit
 * </pre>
 *
 * <p>A crash is what a killed process looks like to Kafka and PostgreSQL: the open transaction is aborted, the
 * consumer leaves its group, and whatever was read after the last checkpoint is read again by the next run. A crash
 * is not a restart: restarts are the pipeline's own, by its restart policy after a failed run, and are counted as such
 * everywhere ({@code restarts} in {@code /pipeline}, in the health details (for an authorized user) and in
 * {@code onceflow_pipeline_restarts_total}); crashes are counted here.
 *
 * @since 0.1
 */
final class CrashInjector {

    private static final Logger LOG = LoggerFactory.getLogger(CrashInjector.class);

    private final ManagedPipeline pipeline;
    private final Duration downtime;
    private final AtomicLong crashes = new AtomicLong();
    private final Object lock = new Object();
    private volatile long crashedAtMillis = -1;

    CrashInjector(ManagedPipeline pipeline, Duration downtime) {
        this.pipeline = pipeline;
        this.downtime = downtime;
    }

    /**
     * Kills the running pipeline abruptly and starts it again after the downtime. Completes with the number of
     * crashes so far; errors with {@link CrashRefusedException} when the pipeline is not running or is down after a
     * crash already.
     */
    Mono<Long> crash() {
        return Mono.defer(() -> {
            long count;
            synchronized (lock) {
                if (crashedAtMillis >= 0) {
                    return Mono.error(new CrashRefusedException("the pipeline is down after a crash already; it"
                            + " restarts within " + downtime.toMillis() + " ms"));
                }
                if (pipeline.state() != ManagedPipeline.State.RUNNING) {
                    return Mono.error(new CrashRefusedException("the pipeline is not running"));
                }
                crashedAtMillis = System.currentTimeMillis();
                count = crashes.incrementAndGet();
            }
            LOG.warn(
                    "crash {} injected: pipeline {} killed without a final checkpoint, starting again in {} ms",
                    count,
                    pipeline.name(),
                    downtime.toMillis());
            // not tied to the caller: a request that goes away does not leave the pipeline down
            Mono<Void> aborted = pipeline.abort().cache();
            aborted.then(Mono.delay(downtime)).subscribe(tick -> startAgain(), failure -> startAgain());
            return aborted.thenReturn(count);
        });
    }

    private void startAgain() {
        synchronized (lock) {
            crashedAtMillis = -1;
            pipeline.start();
        }
    }

    /** Crashes injected so far. */
    long crashes() {
        return crashes.get();
    }

    /** Whether the pipeline is down after a crash, waiting to start again. */
    boolean crashed() {
        return crashedAtMillis >= 0;
    }

    /** The pipeline's state, with {@code CRASHED} for the downtime after a crash. */
    String state() {
        return crashed() ? "CRASHED" : pipeline.state().name();
    }

    /** A crash asked for while the pipeline cannot crash: not running, or down already. */
    static final class CrashRefusedException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        CrashRefusedException(String message) {
            super(message);
        }
    }
}
