/**
 * Onceflow's core: the in-band element model, marker-aware operators, keyed state, the pipeline and its
 * checkpoint protocol, and the participant SPI that sources and sinks implement.
 *
 * <p>Start with {@link io.onceflow.core.Onceflow#pipeline(String)}.
 */
@NullMarked
package io.onceflow.core;

import org.jspecify.annotations.NullMarked;
