/** Implementation, not API: see {@link io.onceflow.core.internal}. */
@NullMarked
package io.onceflow.core.internal.pipeline;

import org.jspecify.annotations.NullMarked;
