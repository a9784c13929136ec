package io.onceflow.spring;

import io.micrometer.core.instrument.MeterRegistry;
import io.onceflow.core.Pipeline;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Onceflow's core auto-configuration: the {@code onceflow.*} properties, checked before any bean is created; the
 * {@link OnceflowRunner} that runs every {@link Pipeline} bean; and {@link OnceflowPipelines}, which builds pipelines
 * with those properties and the application's meter registry. Off with {@code onceflow.enabled=false}.
 *
 * @since 0.1
 */
@AutoConfiguration(
        afterName = {
            "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"
        })
@ConditionalOnBooleanProperty(name = "onceflow.enabled", matchIfMissing = true)
@EnableConfigurationProperties(OnceflowProperties.class)
public class OnceflowAutoConfiguration {

    /** Runs before any bean is created: a wrong or unknown {@code onceflow.*} property stops the start there. */
    @Bean
    static OnceflowPropertiesCheck onceflowPropertiesCheck(ConfigurableEnvironment environment) {
        return new OnceflowPropertiesCheck(environment);
    }

    @Bean
    @ConditionalOnMissingBean
    OnceflowPipelines onceflowPipelines(
            OnceflowProperties properties,
            ObjectProvider<MeterRegistry> meterRegistry,
            ObjectProvider<PipelineCustomizer> customizers) {
        return new OnceflowPipelines(
                properties.pipeline(),
                meterRegistry.getIfUnique(),
                customizers.orderedStream().toList());
    }

    @Bean
    @ConditionalOnMissingBean
    OnceflowRunner onceflowRunner(
            ObjectProvider<Pipeline> pipelines,
            ObjectProvider<PipelinePreparation> preparations,
            OnceflowProperties properties,
            ConfigurableApplicationContext context) {
        return new OnceflowRunner(
                pipelines.orderedStream().toList(),
                preparations.orderedStream().toList(),
                properties,
                context,
                new FailureResponse(context, System::exit));
    }
}
