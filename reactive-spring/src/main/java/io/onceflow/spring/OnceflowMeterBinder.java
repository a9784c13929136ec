package io.onceflow.spring;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.onceflow.core.OnceflowMeters;
import io.onceflow.core.Pipeline;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import reactor.core.Disposable;

/**
 * The runner's meters, bound by Spring Boot to the application's {@link MeterRegistry}, beside the meters each
 * pipeline registers itself (in the registry of its options: the application's, when it was built with
 * {@link OnceflowPipelines}).
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@value #RUNNING}</td><td>gauge</td><td>pipeline</td>
 *       <td>1 while the pipeline runs (RUNNING), 0 otherwise: restarting, failed, aborted, stopped</td></tr>
 * </table>
 *
 * <p>It also registers {@code onceflow.records.dropped.revoked} at zero for every source of a pipeline, as soon as
 * the source's {@code onceflow.records.in} appears (the pipeline registers it only at the first revocation), so that
 * a dashboard's query for it finds a series from the start.
 *
 * @since 0.1
 */
final class OnceflowMeterBinder implements MeterBinder, DisposableBean {

    /** 1 while the pipeline runs. */
    static final String RUNNING = "onceflow.pipeline.running";

    private static final Logger LOG = LoggerFactory.getLogger(OnceflowMeterBinder.class);

    private final OnceflowRunner runner;
    private final List<Disposable> subscriptions = new ArrayList<>();

    OnceflowMeterBinder(OnceflowRunner runner) {
        this.runner = runner;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (ManagedPipeline managed : runner.pipelines()) {
            Gauge.builder(RUNNING, managed, p -> p.state() == ManagedPipeline.State.RUNNING ? 1 : 0)
                    .description("1 while the pipeline runs, 0 otherwise")
                    .tags(OnceflowMeters.TAG_PIPELINE, managed.name())
                    .strongReference(true)
                    .register(registry);
            Pipeline pipeline = managed.pipeline();
            MeterRegistry own = pipeline.options().meterRegistry();
            if (own == Metrics.globalRegistry && registry != Metrics.globalRegistry) {
                LOG.info(
                        "pipeline={} registers its meters in Micrometer's global registry, not the application's:"
                                + " build it with OnceflowPipelines, or set .meterRegistry(registry)",
                        pipeline.name());
            }
            synchronized (subscriptions) {
                subscriptions.add(managed.checkpoints().subscribe(checkpoint -> revocationCounters(pipeline, own)));
            }
        }
    }

    /** For each source the pipeline has counted records of, its revocation counter, at zero if new. */
    private static void revocationCounters(Pipeline pipeline, MeterRegistry registry) {
        for (Meter in : registry.find(OnceflowMeters.RECORDS_IN)
                .tag(OnceflowMeters.TAG_PIPELINE, pipeline.name())
                .meters()) {
            String source = in.getId().getTag(OnceflowMeters.TAG_SOURCE);
            if (source != null) {
                // the same id the pipeline registers at its first revocation: one series, never two
                Counter.builder(OnceflowMeters.RECORDS_DROPPED_REVOKED)
                        .tags(Tags.of(OnceflowMeters.TAG_PIPELINE, pipeline.name(), OnceflowMeters.TAG_SOURCE, source))
                        .register(registry);
            }
        }
    }

    @Override
    public void destroy() {
        synchronized (subscriptions) {
            subscriptions.forEach(Disposable::dispose);
            subscriptions.clear();
        }
    }
}
