/**
 * PostgreSQL over R2DBC for Onceflow: an upsert sink that is either the pipeline's commit point (records, keyed
 * state and source positions in one epoch-fenced transaction) or an idempotent, version-guarded participant, and a
 * checkpoint store for pipelines whose sinks are all idempotent.
 *
 * <p>Start with {@link io.onceflow.sinks.r2dbc.R2dbcUpsertSink#create(R2dbcSinkOptions)}; create Onceflow's own
 * tables with {@link io.onceflow.sinks.r2dbc.OnceflowTables#create}.
 */
@NullMarked
package io.onceflow.sinks.r2dbc;

import org.jspecify.annotations.NullMarked;
