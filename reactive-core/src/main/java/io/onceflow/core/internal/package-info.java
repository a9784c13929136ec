/**
 * Onceflow's implementation. Nothing here is API: it may change in any release, and no public signature of
 * {@code io.onceflow.core} names a type from it.
 */
@NullMarked
package io.onceflow.core.internal;

import org.jspecify.annotations.NullMarked;
