package io.onceflow.demo;

import io.onceflow.core.Pipeline;
import io.onceflow.core.PipelineStatus;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Runs the ledger pipeline with the application: it starts once the context is ready, and a graceful shutdown stops
 * it with a final checkpoint, so that everything read is committed before the JVM exits.
 *
 * <pre>
 *   start ─▶ create the balances table ─▶ pipeline.run() ─ checkpoints … ─┐
 *   crash ─▶ dispose the run (no final checkpoint) ── downtime ── run() again: resumes from the last commit
 *   stop  ─▶ pipeline.stop(): final checkpoint, then the run completes ─────┘
 * </pre>
 *
 * <p>A crash is what a killed process looks like to Kafka and PostgreSQL: the open transaction is aborted, the
 * consumer leaves its group, and whatever was read after the last checkpoint is read again by the next run. Restarts
 * after a failed checkpoint are the pipeline's own (its restart policy); this class only restarts after a crash.
 *
 * <p>While the pipeline has nothing to do it takes no checkpoints, so the age of the last one would grow and the
 * health check would report an idle pipeline as stuck: this class forces a checkpoint when the last one is older than
 * a third of {@code onceflow.pipeline.max-checkpoint-age}.
 *
 * @since 0.1
 */
final class PipelineRunner implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineRunner.class);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Pipeline pipeline;
    private final Mono<Void> prepare;
    private final Duration crashDowntime;
    private final Duration keepAliveAfter;
    private final AtomicLong crashes = new AtomicLong();
    private final Object lock = new Object();

    private @Nullable Disposable run; // guarded by lock
    private @Nullable Disposable keepAlive; // guarded by lock
    private volatile boolean started;
    private volatile long startedAtMillis = -1;
    private volatile long crashedAtMillis = -1;

    PipelineRunner(Pipeline pipeline, Mono<Void> prepare, Duration crashDowntime, Duration maxCheckpointAge) {
        this.pipeline = pipeline;
        this.prepare = prepare;
        this.crashDowntime = crashDowntime;
        this.keepAliveAfter = maxCheckpointAge.dividedBy(3);
    }

    @Override
    public void start() {
        synchronized (lock) {
            if (started) {
                return;
            }
            started = true;
            startedAtMillis = System.currentTimeMillis();
            run = launch(Duration.ZERO);
            keepAlive = Flux.interval(keepAliveAfter)
                    .filter(tick -> idleFor(keepAliveAfter))
                    .concatMap(tick -> pipeline.checkpointNow().onErrorResume(e -> Mono.empty()))
                    .subscribe();
        }
    }

    private Disposable launch(Duration delay) {
        return Mono.delay(delay)
                .then(prepare)
                .thenMany(Flux.defer(() -> {
                    crashedAtMillis = -1;
                    return pipeline.run();
                }))
                .subscribe(
                        event -> {},
                        failure -> LOG.error("pipeline {} stopped: {}", pipeline.name(), failure.toString()),
                        () -> LOG.info("pipeline {} stopped after its final checkpoint", pipeline.name()));
    }

    private boolean idleFor(Duration age) {
        PipelineStatus status = pipeline.status();
        return status.state() == PipelineStatus.State.RUNNING
                && status.lastCompletedAtMillis() >= 0
                && System.currentTimeMillis() - status.lastCompletedAtMillis() > age.toMillis();
    }

    /**
     * Kills the running pipeline abruptly (no final checkpoint), and starts it again after the crash downtime.
     * Completes with the number of crashes so far; errors when the pipeline is not
     * running or is already down after a crash ({@link CrashRefusedException}).
     */
    Mono<Long> crash() {
        return Mono.fromCallable(() -> {
                    synchronized (lock) {
                        if (!started) {
                            throw new CrashRefusedException("the pipeline is not running");
                        }
                        if (crashedAtMillis >= 0) {
                            throw new CrashRefusedException("the pipeline is down after a crash already; it restarts"
                                    + " within " + crashDowntime.toMillis() + " ms");
                        }
                        crashedAtMillis = System.currentTimeMillis();
                        long count = crashes.incrementAndGet();
                        Disposable current = run;
                        if (current != null) {
                            current.dispose();
                        }
                        LOG.warn(
                                "crash {} injected: pipeline {} killed without a final checkpoint, restarting in {} ms",
                                count,
                                pipeline.name(),
                                crashDowntime.toMillis());
                        run = launch(crashDowntime);
                        return count;
                    }
                })
                // cancelling closes a consumer and aborts a transaction: not on the caller's event loop
                .subscribeOn(Schedulers.boundedElastic());
    }

    /** Crashes injected so far. */
    long crashes() {
        return crashes.get();
    }

    /** Whether the pipeline is down after a crash, waiting to restart. */
    boolean crashed() {
        return crashedAtMillis >= 0;
    }

    /** When the application started the pipeline, epoch milliseconds; -1 before. */
    long startedAtMillis() {
        return startedAtMillis;
    }

    /** The pipeline's state, with {@code CRASHED} for the downtime after a crash. */
    String state() {
        return crashed() ? "CRASHED" : pipeline.status().state().name();
    }

    /**
     * Stops the pipeline gracefully: a final checkpoint commits what was read. Blocks the shutdown thread (never a
     * Reactor thread) for at most 30 s, then stops it abruptly.
     */
    @Override
    public void stop() {
        Disposable current;
        synchronized (lock) {
            if (!started) {
                return;
            }
            started = false;
            if (keepAlive != null) {
                keepAlive.dispose();
            }
            current = run;
        }
        try {
            pipeline.stop().block(STOP_TIMEOUT);
        } catch (RuntimeException e) {
            LOG.warn(
                    "pipeline {} did not stop within {} s, stopping it abruptly: {}",
                    pipeline.name(),
                    30,
                    e.toString());
        } finally {
            if (current != null) {
                current.dispose();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return started;
    }

    /** A crash asked for while the pipeline cannot crash: not running, or down already. */
    static final class CrashRefusedException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        CrashRefusedException(String message) {
            super(message);
        }
    }

    /** Stops after the load generator (which must stop sending first) and before the web server. */
    @Override
    public int getPhase() {
        return DEFAULT_PHASE - 1000;
    }
}
