/**
 * The Kafka-to-PostgreSQL ledger benchmark: Onceflow's R2DBC commit point against an at-least-once Reactor loop and a
 * hand-written JDBC loop, on the same input, in one invocation. See {@link io.onceflow.benchmarks.r2dbc.LedgerBenchmark}.
 */
@NullMarked
package io.onceflow.benchmarks.r2dbc;

import org.jspecify.annotations.NullMarked;
