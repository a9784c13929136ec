/**
 * Onceflow for Spring Boot: add {@code io.onceflow:reactive-spring}, declare {@link io.onceflow.core.Pipeline}
 * beans, and the auto-configuration runs them with the application ({@link io.onceflow.spring.OnceflowRunner}),
 * takes a final checkpoint before the web server and the connection factories close, keeps idle pipelines
 * checkpointed, reports each pipeline's health, binds its meters to the application's registry, and serves the
 * {@code onceflow} Actuator endpoint. Settings are {@code onceflow.*} ({@link io.onceflow.spring.OnceflowProperties}).
 */
@NullMarked
package io.onceflow.spring;

import org.jspecify.annotations.NullMarked;
