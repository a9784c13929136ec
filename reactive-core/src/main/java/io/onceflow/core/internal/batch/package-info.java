/**
 * Implementation, not API: records carried in batches, one element per source partition's poll, between the source
 * stage and the sink stage of a pipeline. See {@link io.onceflow.core.internal}.
 */
@NullMarked
package io.onceflow.core.internal.batch;

import org.jspecify.annotations.NullMarked;
