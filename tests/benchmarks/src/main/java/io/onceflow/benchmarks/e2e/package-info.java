/**
 * End-to-end measurements for the report: open-loop latency, recovery after SIGKILL, and memory under a stalled
 * sink, each on a real broker and the real PostgreSQL server.
 */
@NullMarked
package io.onceflow.benchmarks.e2e;

import org.jspecify.annotations.NullMarked;
