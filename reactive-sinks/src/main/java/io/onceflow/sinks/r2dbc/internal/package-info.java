/**
 * The implementation of the R2DBC sinks: SQL generation, catalog checks, batching and the transactions. Not an API:
 * anything here may change without notice.
 */
@NullMarked
package io.onceflow.sinks.r2dbc.internal;

import org.jspecify.annotations.NullMarked;
