package io.onceflow.spring;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code onceflow} Actuator endpoint ({@link OnceflowEndpoint}), when Actuator is on the classpath and the
 * endpoint is exposed ({@code management.endpoints.web.exposure.include=onceflow}, or over JMX).
 *
 * @since 0.1
 */
@AutoConfiguration(after = OnceflowAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
@ConditionalOnBean(OnceflowRunner.class)
@ConditionalOnAvailableEndpoint(OnceflowEndpoint.class)
public class OnceflowEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    OnceflowEndpoint onceflowEndpoint(OnceflowRunner runner) {
        return new OnceflowEndpoint(runner);
    }
}
