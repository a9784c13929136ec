package io.onceflow.core;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import reactor.core.scheduler.Scheduler;

/**
 * Sets a pipeline's options, then names its source. Immutable: every setter returns a new builder.
 *
 * @since 0.1
 */
public final class PipelineBuilder {

    private final PipelineOptions.Builder options;

    PipelineBuilder(PipelineOptions.Builder options) {
        this.options = options;
    }

    /**
     * The time between checkpoints; zero for none by time. Defaults to 1 second. With zero and no record or byte
     * bound, checkpoints are taken only on demand ({@link Pipeline#checkpointNow()}), when a sink's buffer fills, at
     * a revocation and at the end.
     */
    public PipelineBuilder checkpointEvery(Duration interval) {
        requireNonNull(interval, "interval");
        return with(b -> b.checkpointInterval = interval);
    }

    /** Records that trigger a checkpoint before the interval; zero for no bound. Defaults to 0. */
    public PipelineBuilder checkpointAfterRecords(long records) {
        return with(b -> b.checkpointAfterRecords = records);
    }

    /** Source bytes that trigger a checkpoint before the interval; zero for no bound. Defaults to 0. */
    public PipelineBuilder checkpointAfterBytes(long bytes) {
        return with(b -> b.checkpointAfterBytes = bytes);
    }

    /** Checkpoints in flight at once. Defaults to {@code 1}. */
    public PipelineBuilder maxConcurrentCheckpoints(int checkpoints) {
        return with(b -> b.maxConcurrentCheckpoints = checkpoints);
    }

    /** How long a checkpoint may take before it fails the run. Defaults to 60 seconds. */
    public PipelineBuilder checkpointTimeout(Duration timeout) {
        requireNonNull(timeout, "timeout");
        return with(b -> b.checkpointTimeout = timeout);
    }

    /** How long a revoked partition may wait for its final checkpoint. Defaults to 10 seconds. */
    public PipelineBuilder revocationGracePeriod(Duration grace) {
        requireNonNull(grace, "grace");
        return with(b -> b.revocationGracePeriod = grace);
    }

    /** How the pipeline restarts after a failure. Defaults to {@link RestartPolicy#defaults()}. */
    public PipelineBuilder restartPolicy(RestartPolicy policy) {
        requireNonNull(policy, "policy");
        return with(b -> b.restartPolicy = policy);
    }

    /** This instance's id, stable across restarts and distinct between instances. Defaults to {@code "0"}. */
    public PipelineBuilder instanceId(String instanceId) {
        requireNonNull(instanceId, "instanceId");
        return with(b -> b.instanceId = instanceId);
    }

    /**
     * Where time comes from: checkpoint intervals, timeouts and restart backoff. Defaults to
     * {@code Schedulers.parallel()}, resolved when the pipeline runs, so {@code StepVerifier.withVirtualTime}
     * drives it.
     */
    public PipelineBuilder scheduler(Scheduler scheduler) {
        requireNonNull(scheduler, "scheduler");
        return with(b -> b.scheduler = scheduler);
    }

    /** Where meters go. Defaults to {@code Metrics.globalRegistry}. */
    public PipelineBuilder meterRegistry(MeterRegistry registry) {
        requireNonNull(registry, "registry");
        return with(b -> b.meterRegistry = registry);
    }

    /**
     * The commit point of a pipeline whose sinks are all idempotent: it commits state and positions, with the
     * checkpoint id, in one step. None by default.
     */
    public PipelineBuilder checkpointStore(CommitPoint<?> store) {
        requireNonNull(store, "store");
        return with(b -> b.checkpointStore = store);
    }

    /**
     * Hears the points of the checkpoint protocol as the pipeline and its participants reach them, once per
     * checkpoint, assignment or revocation, never per record: a hook for crash tests and tracing. Defaults to
     * {@link ProtocolListener#none()}.
     */
    public PipelineBuilder protocolListener(ProtocolListener listener) {
        requireNonNull(listener, "listener");
        return with(b -> b.protocolListener = listener);
    }

    /**
     * Allows the committed state of {@code operators} to be dropped at restore, where it would otherwise stop the
     * pipeline: the state of an operator the pipeline no longer has (it is removed from the commit point with the
     * next checkpoint), and entries of one whose state no longer decodes (their keys start again from the initial
     * state). For a deliberate change of a pipeline; each drop is logged. None by default.
     */
    public PipelineBuilder allowDroppingState(String... operators) {
        requireNonNull(operators, "operators");
        Set<String> names = new HashSet<>(options.build().stateDropAllowed());
        for (String operator : operators) {
            names.add(requireNonNull(operator, "operator"));
        }
        return with(b -> b.stateDropAllowed = Set.copyOf(names));
    }

    /**
     * The options as set so far.
     *
     * @throws IllegalArgumentException when they are inconsistent, with what to change
     */
    public PipelineOptions options() {
        return options.build();
    }

    /** The pipeline's source; continue with operators, and end with {@link CheckpointedFlux#to}. */
    public <T> CheckpointedFlux<T> from(Source<T> source) {
        requireNonNull(source, "source");
        return CheckpointedFlux.fromSource(options.build(), source);
    }

    private PipelineBuilder with(PipelineOptions.Modifier modifier) {
        return new PipelineBuilder(options.with(modifier));
    }
}
