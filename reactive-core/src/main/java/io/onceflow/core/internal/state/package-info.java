/** Implementation, not API: see {@link io.onceflow.core.internal}. */
@NullMarked
package io.onceflow.core.internal.state;

import org.jspecify.annotations.NullMarked;
