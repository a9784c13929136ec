package io.onceflow.spring;

import io.onceflow.kafka.KafkaSource;
import java.util.List;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
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
    OnceflowKafka onceflowKafka(OnceflowProperties properties, Environment environment) {
        Binder binder = Binder.get(environment);
        Bindable<Map<String, String>> map = Bindable.mapOf(String.class, String.class);
        OnceflowKafka.SpringKafkaProperties spring = new OnceflowKafka.SpringKafkaProperties(
                binder.bind("spring.kafka.bootstrap-servers", Bindable.listOf(String.class))
                        .orElse(List.of()),
                binder.bind("spring.kafka.properties", map).orElse(Map.of()),
                binder.bind("spring.kafka.consumer.properties", map).orElse(Map.of()),
                binder.bind("spring.kafka.producer.properties", map).orElse(Map.of()));
        return OnceflowKafka.from(properties.kafka(), spring);
    }
}
