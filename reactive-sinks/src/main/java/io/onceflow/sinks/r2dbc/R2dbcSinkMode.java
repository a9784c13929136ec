package io.onceflow.sinks.r2dbc;

/**
 * The role an {@link R2dbcUpsertSink} plays in the checkpoint protocol.
 *
 * @since 0.1
 */
public enum R2dbcSinkMode {
    /**
     * The pipeline's commit point: each checkpoint's rows, dead letters, keyed-state changes and source positions
     * are written in one transaction, fenced by the partitions' epochs. Needs Onceflow's tables
     * ({@link OnceflowTables}).
     */
    COMMIT_POINT,
    /**
     * An idempotent participant: each checkpoint's rows are upserted, guarded by the version of the record that
     * wrote them (its source partition and offset), so that a replay changes nothing. Needs the version columns in
     * the target table; another participant (a Kafka transactional sink, or a checkpoint store) is the commit
     * point.
     */
    IDEMPOTENT
}
