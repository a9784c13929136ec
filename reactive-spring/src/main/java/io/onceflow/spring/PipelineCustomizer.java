package io.onceflow.spring;

import io.onceflow.core.PipelineBuilder;

/**
 * Changes the builder {@link OnceflowPipelines#pipeline(String)} hands out, after the {@code onceflow.pipeline.*}
 * settings are applied: a protocol listener for tracing, a checkpoint store, a scheduler. Every bean of this type
 * applies, in {@code @Order}.
 *
 * <pre>{@code
 * @Bean
 * PipelineCustomizer tracing(ProtocolListener tracer) {
 *     return (name, builder) -> builder.protocolListener(tracer);
 * }
 * }</pre>
 *
 * @since 0.1
 */
@FunctionalInterface
public interface PipelineCustomizer {

    /**
     * The builder to use for the pipeline called {@code name}.
     *
     * @param name the pipeline's name
     * @param builder the builder so far (builders are immutable: return the changed one)
     */
    PipelineBuilder customize(String name, PipelineBuilder builder);
}
