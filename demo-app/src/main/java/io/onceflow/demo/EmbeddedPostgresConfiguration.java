package io.onceflow.demo;

import io.r2dbc.spi.ConnectionFactoryOptions;
import org.springframework.boot.r2dbc.autoconfigure.R2dbcConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * An embedded PostgreSQL when no {@code spring.r2dbc.url} is configured.
 *
 * <p>It hands Spring Boot an {@link R2dbcConnectionDetails}, the way a Testcontainers service connection does, so
 * Boot builds its usual connection pool ({@code spring.r2dbc.pool.*} still applies) and its {@code r2dbc} health
 * check on top of it. With a URL configured this class does nothing, and Boot connects there.
 *
 * @since 0.1
 */
@Configuration(proxyBeanMethods = false)
@Conditional(EmbeddedPostgresConfiguration.NoR2dbcUrl.class)
class EmbeddedPostgresConfiguration {

    @Bean(destroyMethod = "close")
    EmbeddedPostgresServer embeddedPostgres() {
        return EmbeddedPostgresServer.start();
    }

    @Bean
    R2dbcConnectionDetails embeddedPostgresConnection(EmbeddedPostgresServer postgres) {
        ConnectionFactoryOptions options = ConnectionFactoryOptions.builder()
                .option(ConnectionFactoryOptions.DRIVER, "postgresql")
                .option(ConnectionFactoryOptions.HOST, EmbeddedPostgresServer.HOST)
                .option(ConnectionFactoryOptions.PORT, postgres.port())
                .option(ConnectionFactoryOptions.DATABASE, "postgres")
                .option(ConnectionFactoryOptions.USER, "postgres")
                .build();
        return () -> options;
    }

    /** Matches when {@code spring.r2dbc.url} (or {@code SPRING_R2DBC_URL}) is missing or blank. */
    static final class NoR2dbcUrl implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            String url = context.getEnvironment().getProperty("spring.r2dbc.url");
            return url == null || url.isBlank();
        }
    }
}
