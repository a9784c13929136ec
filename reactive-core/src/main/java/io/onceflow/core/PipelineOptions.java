package io.onceflow.core;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A pipeline's settings, validated when built. Set them through {@link PipelineBuilder}.
 *
 * @param name the pipeline's name: letters, digits, {@code . _ -}; it names rows, transactional ids and meters
 * @param instanceId this instance's id, stable across restarts, distinct between instances; defaults to
 *     {@code "0"}
 * @param checkpointInterval time between checkpoints, or zero for none by time; defaults to 1 second. With zero and
 *     no record or byte bound, checkpoints are taken only on demand ({@link Pipeline#checkpointNow()}), when a
 *     sink's buffer fills, at a partition's revocation and at the end: a test that places every checkpoint itself
 * @param checkpointAfterRecords records that trigger a checkpoint early, or zero for no bound; defaults to 0
 * @param checkpointAfterBytes source bytes that trigger a checkpoint early, or zero for no bound; defaults to 0
 * @param maxConcurrentCheckpoints checkpoints in flight at once; defaults to {@code 1}
 * @param checkpointTimeout how long a checkpoint may take, from its marker to its commit, before it fails the run;
 *     defaults to 60 seconds
 * @param revocationGracePeriod how long a revoked partition may wait for its final checkpoint; defaults to 10
 *     seconds
 * @param restartPolicy how the pipeline restarts; defaults to {@link RestartPolicy#defaults()}
 * @param scheduler where time comes from, or {@code null} for {@link Schedulers#parallel()}, resolved when the
 *     pipeline runs so that {@code StepVerifier.withVirtualTime} applies
 * @param meterRegistry where meters go; defaults to {@link Metrics#globalRegistry}
 * @param checkpointStore the commit point when every sink is idempotent, or {@code null}
 * @param protocolListener hears the points of the checkpoint protocol as they are reached (fault injection,
 *     tracing); defaults to {@link ProtocolListener#none()}
 * @param stateDropAllowed stateful operators whose committed state may be dropped at restore: the state of an
 *     operator the pipeline no longer has, or entries of one that no longer decode; defaults to none, so that such
 *     state stops the pipeline instead
 * @since 0.1
 */
public record PipelineOptions(
        String name,
        String instanceId,
        Duration checkpointInterval,
        long checkpointAfterRecords,
        long checkpointAfterBytes,
        int maxConcurrentCheckpoints,
        Duration checkpointTimeout,
        Duration revocationGracePeriod,
        RestartPolicy restartPolicy,
        @Nullable Scheduler scheduler,
        MeterRegistry meterRegistry,
        @Nullable CommitPoint<?> checkpointStore,
        ProtocolListener protocolListener,
        Set<String> stateDropAllowed) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    public PipelineOptions {
        requireNonNull(name, "name");
        requireNonNull(instanceId, "instanceId");
        requireNonNull(checkpointInterval, "checkpointInterval");
        requireNonNull(checkpointTimeout, "checkpointTimeout");
        requireNonNull(revocationGracePeriod, "revocationGracePeriod");
        requireNonNull(restartPolicy, "restartPolicy");
        requireNonNull(meterRegistry, "meterRegistry");
        requireNonNull(protocolListener, "protocolListener");
        stateDropAllowed = Set.copyOf(requireNonNull(stateDropAllowed, "stateDropAllowed"));
        checkName("pipeline name", name);
        checkName("instanceId", instanceId);
        if (checkpointInterval.isNegative()) {
            throw new IllegalArgumentException("checkpointInterval must be >= 0, was " + checkpointInterval);
        }
        if (checkpointAfterRecords < 0 || checkpointAfterBytes < 0) {
            throw new IllegalArgumentException("checkpointAfterRecords and checkpointAfterBytes must be >= 0");
        }
        if (maxConcurrentCheckpoints < 1) {
            throw new IllegalArgumentException(
                    "maxConcurrentCheckpoints must be >= 1, was " + maxConcurrentCheckpoints);
        }
        if (checkpointTimeout.isNegative() || checkpointTimeout.isZero()) {
            throw new IllegalArgumentException("checkpointTimeout must be > 0, was " + checkpointTimeout);
        }
        if (revocationGracePeriod.isNegative()) {
            throw new IllegalArgumentException("revocationGracePeriod must be >= 0, was " + revocationGracePeriod);
        }
    }

    private static void checkName(String what, String value) {
        if (!NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    what + " must be 1 to 100 letters, digits, '.', '_' or '-', was '" + value + "'");
        }
    }

    /** The defaults for a pipeline called {@code name}. */
    public static PipelineOptions defaults(String name) {
        return new Builder(name).build();
    }

    /** The scheduler to take time from, resolved now. */
    public Scheduler resolveScheduler() {
        return scheduler != null ? scheduler : Schedulers.parallel();
    }

    /** One change to the options, applied by {@link PipelineBuilder}. */
    interface Modifier {
        void apply(Builder builder);
    }

    /**
     * The settings being assembled. Checked together by {@link #build()}, not one by one, so that settings may be
     * changed in any order ({@code checkpointEvery(ZERO)} before {@code checkpointAfterRecords(100)}).
     */
    static final class Builder {
        String name;
        String instanceId = "0";
        Duration checkpointInterval = Duration.ofSeconds(1);
        long checkpointAfterRecords;
        long checkpointAfterBytes;
        int maxConcurrentCheckpoints = 1;
        Duration checkpointTimeout = Duration.ofSeconds(60);
        Duration revocationGracePeriod = Duration.ofSeconds(10);
        RestartPolicy restartPolicy = RestartPolicy.defaults();

        @Nullable
        Scheduler scheduler;

        MeterRegistry meterRegistry = Metrics.globalRegistry;

        @Nullable
        CommitPoint<?> checkpointStore;

        ProtocolListener protocolListener = ProtocolListener.none();

        Set<String> stateDropAllowed = Set.of();

        /** The defaults, for a pipeline called {@code name}. */
        Builder(String name) {
            this.name = name;
        }

        private Builder(Builder from) {
            name = from.name;
            instanceId = from.instanceId;
            checkpointInterval = from.checkpointInterval;
            checkpointAfterRecords = from.checkpointAfterRecords;
            checkpointAfterBytes = from.checkpointAfterBytes;
            maxConcurrentCheckpoints = from.maxConcurrentCheckpoints;
            checkpointTimeout = from.checkpointTimeout;
            revocationGracePeriod = from.revocationGracePeriod;
            restartPolicy = from.restartPolicy;
            scheduler = from.scheduler;
            meterRegistry = from.meterRegistry;
            checkpointStore = from.checkpointStore;
            protocolListener = from.protocolListener;
            stateDropAllowed = from.stateDropAllowed;
        }

        /** A copy of this builder with {@code modifier} applied. */
        Builder with(Modifier modifier) {
            Builder copy = new Builder(this);
            modifier.apply(copy);
            return copy;
        }

        PipelineOptions build() {
            return new PipelineOptions(
                    name,
                    instanceId,
                    checkpointInterval,
                    checkpointAfterRecords,
                    checkpointAfterBytes,
                    maxConcurrentCheckpoints,
                    checkpointTimeout,
                    revocationGracePeriod,
                    restartPolicy,
                    scheduler,
                    meterRegistry,
                    checkpointStore,
                    protocolListener,
                    stateDropAllowed);
        }
    }
}
