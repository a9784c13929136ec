package io.onceflow.demo;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.onceflow.core.OnceflowMeters;
import io.onceflow.core.Pipeline;
import io.onceflow.core.PipelineStatus;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.codec.ServerSentEvent;
import reactor.core.Disposable;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The pipeline as the dashboard and {@code GET /pipeline} see it, read from its status and from Onceflow's meters in
 * the application's registry (the same figures {@code /actuator/prometheus} exports): state, last checkpoint, lag,
 * restarts, and throughput sampled once a second.
 *
 * <pre>
 *   /pipeline/events:  status ───────1 s────── status ───────1 s────── status …   (pipeline + audit, shared)
 *                      checkpoint  checkpoint  checkpoint  …                        (each checkpoint's outcome)
 * </pre>
 *
 * @since 0.1
 */
final class PipelineMonitor implements AutoCloseable {

    private static final Duration SAMPLE = Duration.ofSeconds(1);

    private final Pipeline pipeline;
    private final PipelineRunner runner;
    private final MeterRegistry meters;
    private final String ledgerSink;
    private final boolean crashEnabled;
    private final AuditService audit;
    private final AtomicReference<Rates> rates = new AtomicReference<>(new Rates(0, 0, System.nanoTime(), 0, 0));
    private final Disposable sampler;
    private final Sinks.Empty<Void> closing = Sinks.empty();
    private final Flux<ServerSentEvent<DashboardStatus>> statuses;

    PipelineMonitor(
            Pipeline pipeline,
            PipelineRunner runner,
            MeterRegistry meters,
            String ledgerSink,
            boolean crashEnabled,
            AuditService audit) {
        this.pipeline = pipeline;
        this.runner = runner;
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
        PipelineStatus status = pipeline.status();
        Rates now = rates.get();
        long age =
                status.lastCompletedAtMillis() < 0 ? -1 : System.currentTimeMillis() - status.lastCompletedAtMillis();
        return new PipelineView(
                pipeline.name(),
                runner.state(),
                status.lastCompletedCheckpoint(),
                age,
                lag(),
                status.restarts(),
                runner.crashes(),
                crashEnabled,
                now.inPerSecond(),
                now.outPerSecond(),
                status.error().map(Throwable::toString).orElse(null));
    }

    /** Status events every second, and an event per checkpoint: the dashboard's feed. */
    Flux<ServerSentEvent<?>> events() {
        Flux<ServerSentEvent<?>> checkpoints = pipeline.events()
                .onBackpressureBuffer(256, dropped -> {}, BufferOverflowStrategy.DROP_OLDEST)
                .map(event -> ServerSentEvent.builder(CheckpointView.of(event))
                        .event("checkpoint")
                        .build());
        return Flux.merge(statuses, checkpoints).takeUntilOther(closing.asMono());
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
