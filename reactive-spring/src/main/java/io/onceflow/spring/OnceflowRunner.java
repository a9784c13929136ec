package io.onceflow.spring;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.Pipeline;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Runs every {@link Pipeline} bean of the application: starts them once the application is ready (or in the runner's
 * lifecycle phase, or when told to), and stops them with a final checkpoint when the context closes, before the web
 * server and the connection factories.
 *
 * <pre>
 *   context refreshed ─▶ ready ─▶ preparations (tables, topics) ─▶ every pipeline runs ─ checkpoints …
 *   context closing:  beans of higher phases stop ─▶ this runner: every pipeline's final checkpoint, in parallel,
 *                     within onceflow.runner.shutdown-timeout (else abruptly) ─▶ web server ─▶ connection pools
 * </pre>
 *
 * <p>Stopping blocks the thread that closes the context (never a Reactor thread's work) until every pipeline has
 * stopped or the shutdown timeout has passed; Spring's {@code spring.lifecycle.timeout-per-shutdown-phase} does not
 * cut it short.
 *
 * <p><strong>Commit Semantics</strong>: a graceful shutdown commits everything the pipelines have read; a shutdown
 * that takes longer than the timeout, or a killed process, leaves the last checkpoint's work to the next run, which
 * replays it. Either way every record has exactly one effect.
 *
 * @since 0.1
 */
public final class OnceflowRunner
        implements SmartLifecycle, ApplicationListener<ApplicationReadyEvent>, DisposableBean {

    private static final Logger LOG = LoggerFactory.getLogger(OnceflowRunner.class);

    private final Map<String, ManagedPipeline> pipelines = new LinkedHashMap<>();
    private final List<PipelinePreparation> preparations;
    private final OnceflowProperties.Runner settings;
    private final ApplicationContext context;
    private final Object lock = new Object();
    private volatile boolean running;
    private volatile boolean launched;
    private volatile boolean stoppedBefore;

    OnceflowRunner(
            List<Pipeline> pipelines,
            List<PipelinePreparation> preparations,
            OnceflowProperties properties,
            ApplicationContext context,
            BiConsumer<ManagedPipeline, OnceflowProperties.OnFailure> onFailure) {
        this.preparations = List.copyOf(preparations);
        this.settings = properties.runner();
        this.context = requireNonNull(context, "context");
        for (Pipeline pipeline : pipelines) {
            ManagedPipeline managed = new ManagedPipeline(
                    pipeline,
                    properties.pipeline(),
                    settings.keepAlive(),
                    failed -> onFailure.accept(failed, settings.onFailure()));
            if (this.pipelines.putIfAbsent(pipeline.name(), managed) != null) {
                throw new IllegalStateException("two Pipeline beans are called '" + pipeline.name()
                        + "': a pipeline's name identifies its offsets, state and meters, give each its own");
            }
        }
    }

    /** Every pipeline the runner runs, in bean order. */
    public List<ManagedPipeline> pipelines() {
        return List.copyOf(pipelines.values());
    }

    /**
     * The pipeline called {@code name}.
     *
     * @throws IllegalArgumentException when there is none, naming those there are
     */
    public ManagedPipeline pipeline(String name) {
        ManagedPipeline managed = pipelines.get(name);
        if (managed == null) {
            throw new IllegalArgumentException(
                    "no pipeline called '" + name + "'; the pipelines are " + pipelines.keySet());
        }
        return managed;
    }

    /**
     * Starts the runner. With {@code onceflow.runner.startup=ready} (the default) the pipelines start when the
     * application is ready; with {@code lifecycle} now, in the runner's phase; with {@code manual} the application
     * calls this method, and the pipelines start now.
     */
    @Override
    public void start() {
        synchronized (lock) {
            if (running) {
                return;
            }
            running = true;
        }
        // started again after a stop (context.stop(), then context.start()): the application is ready already
        if (settings.startup() != OnceflowProperties.Startup.READY || stoppedBefore) {
            launch();
        }
    }

    @Override
    public void onApplicationEvent(ApplicationReadyEvent event) {
        if (event.getApplicationContext() == context
                && running
                && settings.startup() == OnceflowProperties.Startup.READY) {
            launch();
        }
    }

    private void launch() {
        synchronized (lock) {
            if (launched) {
                return;
            }
            launched = true;
        }
        if (pipelines.isEmpty()) {
            return;
        }
        LOG.info("starting pipelines {}", pipelines.keySet());
        if (preparations.isEmpty()) {
            startAll();
            return;
        }
        pipelines.values().forEach(ManagedPipeline::preparing);
        Flux.fromIterable(preparations)
                .concatMap(PipelinePreparation::prepare)
                .then()
                // not on the thread that completed the last preparation (a database driver's event loop)
                .publishOn(Schedulers.boundedElastic())
                .subscribe(null, this::preparationFailed, this::startAll);
    }

    private void startAll() {
        if (running) {
            pipelines.values().forEach(ManagedPipeline::start);
        }
    }

    private void preparationFailed(Throwable error) {
        LOG.error("the pipelines did not start: a preparation failed: {}", error.toString(), error);
        pipelines.values().forEach(pipeline -> pipeline.preparationFailed(error));
    }

    /**
     * Stops every pipeline with a final checkpoint, in parallel, and waits for them up to
     * {@code onceflow.runner.shutdown-timeout}; a pipeline still stopping then is stopped abruptly.
     */
    @Override
    public void stop() {
        synchronized (lock) {
            if (!running) {
                return;
            }
            running = false;
            launched = false;
            stoppedBefore = true;
        }
        Duration timeout = settings.shutdownTimeout();
        // blocking-ok: the thread closing the context; each stop ends by the timeout, so this ends too
        Flux.fromIterable(pipelines.values())
                .flatMap(pipeline -> pipeline.stop(timeout))
                .then()
                .block();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public boolean isAutoStartup() {
        return settings.startup() != OnceflowProperties.Startup.MANUAL;
    }

    /** {@code onceflow.runner.phase}: by default after the beans of the default phase, before the web server. */
    @Override
    public int getPhase() {
        return settings.phase();
    }

    @Override
    public void destroy() {
        pipelines.values().forEach(ManagedPipeline::close);
    }

    /** Checkpoints every running pipeline now; for tests and operations. Completes when all have. */
    public Mono<Void> checkpointAll() {
        return Flux.fromIterable(pipelines.values())
                .filter(p -> p.state() == ManagedPipeline.State.RUNNING)
                .flatMap(ManagedPipeline::checkpointNow)
                .then();
    }
}
