package io.onceflow.core.internal.pipeline;

import static io.onceflow.core.OnceflowMeters.*;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.onceflow.core.CheckpointEvent;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * A pipeline's own meters (see {@link io.onceflow.core.OnceflowMeters}), registered once per pipeline and shared
 * by its runs. Gauges read through suppliers that each run replaces, so a restart never registers twice.
 */
final class PipelineMeters {

    private final MeterRegistry registry;
    private final Tags tags;
    private final Timer completed;
    private final Timer failed;
    private final Timer alignment;
    private final Counter deadLettered;
    private final Counter restarts;
    private final Map<String, Counter> recordsOut = new ConcurrentHashMap<>();
    private final Map<String, Counter> recordsIn = new ConcurrentHashMap<>();
    private final Map<String, Counter> droppedRevoked = new ConcurrentHashMap<>();
    private final Map<String, Timer> commitCompleted = new ConcurrentHashMap<>();
    private final Map<String, Timer> commitFailed = new ConcurrentHashMap<>();
    private final Map<String, BufferedGauge> buffered = new ConcurrentHashMap<>();
    // the registry holds a gauge's state weakly: kept here, it lives as long as the pipeline
    private final LongSupplier lastCheckpointAgeMillis;

    PipelineMeters(MeterRegistry registry, String pipeline, LongSupplier lastCheckpointAgeMillis) {
        this.registry = registry;
        this.tags = Tags.of(TAG_PIPELINE, pipeline);
        this.completed = Timer.builder(CHECKPOINT_DURATION)
                .tags(tags.and(TAG_OUTCOME, "completed"))
                .register(registry);
        this.failed = Timer.builder(CHECKPOINT_DURATION)
                .tags(tags.and(TAG_OUTCOME, "failed"))
                .register(registry);
        this.alignment = Timer.builder(CHECKPOINT_ALIGNMENT).tags(tags).register(registry);
        this.deadLettered = Counter.builder(RECORDS_DEAD_LETTERED).tags(tags).register(registry);
        this.restarts = Counter.builder(RESTARTS).tags(tags).register(registry);
        this.lastCheckpointAgeMillis = lastCheckpointAgeMillis;
        replacing(LAST_CHECKPOINT_AGE, tags);
        registry.gauge(LAST_CHECKPOINT_AGE, tags, this.lastCheckpointAgeMillis, age -> {
            long millis = age.getAsLong();
            return millis < 0 ? Double.NaN : millis / 1000.0;
        });
    }

    Tags tags() {
        return tags;
    }

    MeterRegistry registry() {
        return registry;
    }

    void checkpoint(CheckpointEvent event) {
        (event.completed() ? completed : failed).record(event.duration());
    }

    void alignment(Duration duration) {
        alignment.record(duration);
    }

    void commit(String sink, boolean success, long nanos) {
        Map<String, Timer> timers = success ? commitCompleted : commitFailed;
        timers.computeIfAbsent(
                        sink,
                        name -> Timer.builder(COMMIT_DURATION)
                                .tags(tags.and(TAG_SINK, name, TAG_OUTCOME, success ? "completed" : "failed"))
                                .register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    void recordsIn(String source, long count) {
        counter(recordsIn, RECORDS_IN, TAG_SOURCE, source).increment(count);
    }

    void recordsOut(String sink, long count) {
        counter(recordsOut, RECORDS_OUT, TAG_SINK, sink).increment(count);
    }

    void droppedRevoked(String source, long count) {
        counter(droppedRevoked, RECORDS_DROPPED_REVOKED, TAG_SOURCE, source).increment(count);
    }

    void deadLettered(long count) {
        deadLettered.increment(count);
    }

    void restarted() {
        restarts.increment();
    }

    /** Points the sink's buffered-records gauge at this run's writer. */
    void buffered(String sink, IntSupplier bufferedRecords) {
        buffered.computeIfAbsent(sink, name -> {
                    BufferedGauge gauge = new BufferedGauge();
                    replacing(SINK_BUFFERED, tags.and(TAG_SINK, name));
                    registry.gauge(SINK_BUFFERED, tags.and(TAG_SINK, name), gauge, g -> g.current.getAsInt());
                    return gauge;
                })
                .current = bufferedRecords;
    }

    /**
     * Removes a gauge of the same name and tags that an earlier pipeline of this name registered: its state is that
     * pipeline's, and Micrometer would keep it and warn ("Gauge already registered") rather than read this one's. Two
     * live pipelines of one name in one registry are a misconfiguration; one made again (a test, a context refresh)
     * takes the name over.
     */
    private void replacing(String name, Iterable<io.micrometer.core.instrument.Tag> gaugeTags) {
        Gauge existing = registry.find(name).tags(gaugeTags).gauge();
        if (existing != null) {
            registry.remove(existing);
        }
    }

    private Counter counter(Map<String, Counter> counters, String name, String tag, String value) {
        return counters.computeIfAbsent(
                value, v -> Counter.builder(name).tags(tags.and(tag, v)).register(registry));
    }

    /** Holds the current run's supplier; the registry holds the gauge strongly through the map above. */
    private static final class BufferedGauge {
        volatile IntSupplier current = () -> 0;
    }
}
