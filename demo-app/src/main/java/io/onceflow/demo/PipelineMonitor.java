package io.onceflow.demo;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.onceflow.core.OnceflowMeters;
import io.onceflow.spring.CheckpointServerSentEvents;
import io.onceflow.spring.ManagedPipeline;
import io.onceflow.spring.PipelineReport;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.codec.ServerSentEvent;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The pipeline as the dashboard and {@code GET /pipeline} see it, read from Onceflow's runner and from Onceflow's
 * meters in the application's registry (the same figures {@code /actuator/prometheus} exports): state, last
 * checkpoint, lag, restarts, and throughput sampled once a second.
 *
 * <pre>
 *   /pipeline/events:  checkpoint … (the recent ones at once, for the chart) then each as it ends
 *                      status ───────1 s────── status ───────1 s────── status …   (pipeline + audit, shared)
 * </pre>
 *
 * @since 0.1
 */
final class PipelineMonitor implements AutoCloseable {

    private static final Duration SAMPLE = Duration.ofSeconds(1);

    private final ManagedPipeline pipeline;
    private final CrashInjector crashes;
    private final MeterRegistry meters;
    private final String ledgerSink;
    private final boolean crashEnabled;
    private final AuditService audit;
    private final AtomicReference<Rates> rates = new AtomicReference<>(new Rates(0, 0, System.nanoTime(), 0, 0));
    private final Disposable sampler;
    private final Sinks.Empty<Void> closing = Sinks.empty();
    private final Flux<ServerSentEvent<DashboardStatus>> statuses;

    PipelineMonitor(
            ManagedPipeline pipeline,
            CrashInjector crashes,
            MeterRegistry meters,
            String ledgerSink,
            boolean crashEnabled,
            AuditService audit) {
        this.pipeline = pipeline;
        this.crashes = crashes;
        this.meters = meters;
        this.ledgerSink = ledgerSink;
        this.crashEnabled = crashEnabled;
        this.audit = audit;
        this.sampler = Flux.interval(SAMPLE).subscribe(tick -> sample());
        // one audit query a second however many dashboards are open
        this.statuses = Flux.interval(Duration.ZERO, SAMPLE)
                .onBackpressureDrop()
                .concatMap(tick -> audit.audit().map(now -> new DashboardStatus(view(), now)))
                .map(status -> ServerSentEvent.builder(status).event("status").build())
                .share();
    }

    /** The pipeline now. */
    PipelineView view() {
        PipelineReport report = pipeline.report(0);
        Rates now = rates.get();
        return new PipelineView(
                pipeline.name(),
                crashes.state(),
                report.lastCompletedCheckpoint(),
                report.lastCheckpointAgeMillis(),
                lag(),
                report.restarts(),
                crashes.crashes(),
                crashEnabled,
                now.inPerSecond(),
                now.outPerSecond(),
                report.lastError());
    }

    /**
     * The dashboard's feed: the recent checkpoints at once (its chart starts full), then an event per checkpoint,
     * and a status event every second.
     */
    Flux<ServerSentEvent<?>> events() {
        Flux<ServerSentEvent<?>> checkpoints =
                CheckpointServerSentEvents.of(pipeline).map(event -> event);
        return Flux.merge(checkpoints, statuses).takeUntilOther(closing.asMono());
    }

    /**
     * Ends every event stream when the application shuts down: a graceful shutdown waits for open requests, and an
     * open dashboard would otherwise hold it for the whole shutdown timeout.
     */
    @EventListener(ContextClosedEvent.class)
    void shuttingDown() {
        closing.tryEmitEmpty();
    }

    /** Sum of the source's lag gauges over the partitions this instance owns; null when it owns none. */
    private @Nullable Long lag() {
        double sum = 0;
        boolean any = false;
        for (Gauge gauge : meters.find(OnceflowMeters.SOURCE_LAG)
                .tag(OnceflowMeters.TAG_PIPELINE, pipeline.name())
                .gauges()) {
            double value = gauge.value();
            if (!Double.isNaN(value)) {
                sum += value;
                any = true;
            }
        }
        return any ? Math.round(sum) : null;
    }

    private void sample() {
        double in = count(OnceflowMeters.RECORDS_IN, null);
        double out = count(OnceflowMeters.RECORDS_OUT, ledgerSink);
        long at = System.nanoTime();
        rates.updateAndGet(previous -> {
            double seconds = Math.max(1e-3, (at - previous.at()) / 1e9);
            return new Rates(
                    in,
                    out,
                    at,
                    Math.max(0, (in - previous.in()) / seconds),
                    Math.max(0, (out - previous.out()) / seconds));
        });
    }

    private double count(String name, @Nullable String sink) {
        var search = meters.find(name).tag(OnceflowMeters.TAG_PIPELINE, pipeline.name());
        if (sink != null) {
            search = search.tag(OnceflowMeters.TAG_SINK, sink);
        }
        return search.counters().stream().mapToDouble(Counter::count).sum();
    }

    @Override
    public void close() {
        sampler.dispose();
    }

    private record Rates(double in, double out, long at, double inPerSecond, double outPerSecond) {}
}
