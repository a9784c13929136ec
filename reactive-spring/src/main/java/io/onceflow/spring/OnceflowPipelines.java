package io.onceflow.spring;

import io.micrometer.core.instrument.MeterRegistry;
import io.onceflow.core.Onceflow;
import io.onceflow.core.PipelineBuilder;
import io.onceflow.core.RestartPolicy;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * {@link Onceflow#pipeline(String)} with the application's settings: the {@code onceflow.pipeline.*} properties, the
 * application's {@link MeterRegistry} (so that the meters reach {@code /actuator/prometheus} and no test shares the
 * global registry), and every {@link PipelineCustomizer} bean. Code may change any setting after.
 *
 * <pre>{@code
 * @Bean
 * Pipeline ledger(OnceflowPipelines pipelines, OnceflowKafka kafka, OnceflowPostgres postgres) {
 *     return pipelines.pipeline("ledger")
 *             .from(KafkaSource.create(kafka.sourceOptions().topic("payments").valueFormat(Json.of(Payment.class)).build()))
 *             .keyed("balances", Payment::account, Balance::empty, Balance::apply)
 *             .to(R2dbcUpsertSink.create(postgres.<Balance>sinkOptions()
 *                     .table("balances").key("account").columns(Balance::row).commitPoint().build()));
 * }
 * }</pre>
 *
 * @since 0.1
 */
public final class OnceflowPipelines {

    private final OnceflowProperties.PipelineSettings settings;
    private final @Nullable MeterRegistry meterRegistry;
    private final List<PipelineCustomizer> customizers;

    /**
     * @param settings the {@code onceflow.pipeline.*} settings
     * @param meterRegistry the application's registry, or null to keep Onceflow's default (the global registry)
     * @param customizers applied in this order, after the settings
     */
    public OnceflowPipelines(
            OnceflowProperties.PipelineSettings settings,
            @Nullable MeterRegistry meterRegistry,
            List<PipelineCustomizer> customizers) {
        this.settings = settings;
        this.meterRegistry = meterRegistry;
        this.customizers = List.copyOf(customizers);
    }

    /**
     * A builder for the pipeline called {@code name}, with the application's settings.
     *
     * @param name the pipeline's name: letters, digits, {@code . _ -}; it names offsets, state, transactional ids and
     *     meters
     */
    public PipelineBuilder pipeline(String name) {
        OnceflowProperties.Restart restart = settings.restart();
        PipelineBuilder builder = Onceflow.pipeline(name)
                .instanceId(settings.instanceId())
                .checkpointEvery(settings.checkpointEvery())
                .checkpointAfterRecords(settings.checkpointAfterRecords())
                .checkpointAfterBytes(settings.checkpointAfterBytes())
                .maxConcurrentCheckpoints(settings.maxConcurrentCheckpoints())
                .checkpointTimeout(settings.checkpointTimeout())
                .revocationGracePeriod(settings.revocationGracePeriod())
                .restartPolicy(RestartPolicy.defaults()
                        .withMaxAttempts(restart.maxAttempts())
                        .withBackoff(restart.minBackoff(), restart.maxBackoff())
                        .withJitter(restart.jitter()));
        if (meterRegistry != null) {
            builder = builder.meterRegistry(meterRegistry);
        }
        for (PipelineCustomizer customizer : customizers) {
            builder = customizer.customize(name, builder);
        }
        return builder;
    }
}
