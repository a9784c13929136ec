package io.onceflow.spring;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.context.annotation.Bean;

/**
 * The runner's meters ({@link OnceflowMeterBinder}), which Spring Boot binds to the application's meter registry.
 *
 * @since 0.1
 */
@AutoConfiguration(after = OnceflowAutoConfiguration.class)
@ConditionalOnBean(OnceflowRunner.class)
public class OnceflowMetricsAutoConfiguration {

    @Bean
    OnceflowMeterBinder onceflowMeterBinder(OnceflowRunner runner) {
        return new OnceflowMeterBinder(runner);
    }
}
