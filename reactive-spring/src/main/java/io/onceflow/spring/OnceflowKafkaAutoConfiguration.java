package io.onceflow.spring;

import io.onceflow.kafka.KafkaSource;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * {@link OnceflowKafka} from {@code onceflow.kafka.*} and Spring Boot's {@code spring.kafka.*}, when reactive-kafka
 * is on the classpath.
 *
 * @since 0.1
 */
@AutoConfiguration(after = OnceflowAutoConfiguration.class)
@ConditionalOnClass(KafkaSource.class)
@ConditionalOnBooleanProperty(name = "onceflow.enabled", matchIfMissing = true)
public class OnceflowKafkaAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    OnceflowKafka onceflowKafka(Environment environment) {
        return OnceflowKafka.from(environment);
    }
}
