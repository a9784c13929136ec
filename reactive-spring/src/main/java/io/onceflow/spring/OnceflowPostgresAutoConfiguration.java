package io.onceflow.spring;

import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.r2dbc.spi.ConnectionFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;

/**
 * {@link OnceflowPostgres} on the application's R2DBC {@link ConnectionFactory}, when reactive-sinks is on the
 * classpath; with {@code onceflow.postgres.create-tables=true}, a {@link PipelinePreparation} that creates Onceflow's
 * tables before the pipelines start.
 *
 * @since 0.1
 */
@AutoConfiguration(
        after = OnceflowAutoConfiguration.class,
        afterName = "org.springframework.boot.r2dbc.autoconfigure.R2dbcAutoConfiguration")
@ConditionalOnClass({R2dbcUpsertSink.class, ConnectionFactory.class})
@ConditionalOnSingleCandidate(ConnectionFactory.class)
@ConditionalOnBooleanProperty(name = "onceflow.enabled", matchIfMissing = true)
public class OnceflowPostgresAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    OnceflowPostgres onceflowPostgres(ConnectionFactory connectionFactory, OnceflowProperties properties) {
        return OnceflowPostgres.from(connectionFactory, properties.postgres());
    }

    @Bean
    @ConditionalOnBooleanProperty("onceflow.postgres.create-tables")
    PipelinePreparation onceflowTables(OnceflowPostgres postgres) {
        return postgres::createTables;
    }
}
