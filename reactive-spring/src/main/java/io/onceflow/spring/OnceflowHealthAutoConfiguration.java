package io.onceflow.spring;

import io.onceflow.core.Pipeline;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeReactiveHealthContributor;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * A health indicator per pipeline, under the {@code onceflow} component of {@code /actuator/health}. Applies when
 * Spring Boot's health support is on the classpath and the application has a pipeline; off with
 * {@code management.health.onceflow.enabled=false}.
 *
 * @since 0.1
 */
@AutoConfiguration(after = OnceflowAutoConfiguration.class)
@ConditionalOnClass(ReactiveHealthIndicator.class)
@ConditionalOnBean({OnceflowRunner.class, Pipeline.class})
@ConditionalOnEnabledHealthIndicator("onceflow")
public class OnceflowHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "onceflowHealthContributor")
    CompositeReactiveHealthContributor onceflowHealthContributor(OnceflowRunner runner) {
        Map<String, ReactiveHealthIndicator> indicators = new LinkedHashMap<>();
        for (ManagedPipeline pipeline : runner.pipelines()) {
            indicators.put(pipeline.name(), new PipelineHealthIndicator(pipeline));
        }
        return CompositeReactiveHealthContributor.fromMap(indicators);
    }
}
