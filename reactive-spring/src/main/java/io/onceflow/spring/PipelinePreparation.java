package io.onceflow.spring;

import reactor.core.publisher.Mono;

/**
 * Work that must be done before the runner starts the pipelines: a table or a topic to create. Every bean of this
 * type runs once, one after another in {@code @Order}, when the runner starts; the pipelines start when all have
 * completed. One that errors stops them from starting: each pipeline is then {@code FAILED} with its error, and
 * {@code onceflow.runner.on-failure} applies.
 *
 * <pre>{@code
 * @Bean
 * PipelinePreparation balancesTable(DatabaseClient database) {
 *     return () -> database.sql("CREATE TABLE IF NOT EXISTS balances (...)").then();
 * }
 * }</pre>
 *
 * @since 0.1
 */
@FunctionalInterface
public interface PipelinePreparation {

    /** Does the work; nothing happens until subscribed. */
    Mono<Void> prepare();
}
