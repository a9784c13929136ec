package io.onceflow.chaos.shapes;

/**
 * The sinks a shape ends in: which is the commit point, whether it commits the outputs, and whether an idempotent
 * table is written beside it. Together they are every way the API lets a pipeline end.
 */
public enum SinkSet {
    /** A Kafka transactional sink: outputs, dead letters, state and offsets in one transaction per checkpoint. */
    KAFKA(true, true, false),
    /** The Kafka commit point, and an idempotent PostgreSQL table. */
    KAFKA_AND_TABLE(true, true, true),
    /** A PostgreSQL commit point: outputs, dead letters, state and positions in one database transaction. */
    POSTGRES(false, true, false),
    /** The PostgreSQL commit point, and a second, idempotent table. */
    POSTGRES_AND_TABLE(false, true, true),
    /**
     * Only an idempotent table, with a PostgreSQL checkpoint store as the commit point: the store commits state,
     * positions and dead letters, and has no outputs of its own; the table holds each key's last output.
     */
    STORE_AND_TABLE(false, false, true);

    private final boolean kafka;
    private final boolean outputs;
    private final boolean table;

    SinkSet(boolean kafka, boolean outputs, boolean table) {
        this.kafka = kafka;
        this.outputs = outputs;
        this.table = table;
    }

    /** Whether the commit point is Kafka (otherwise PostgreSQL). */
    public boolean kafkaCommitPoint() {
        return kafka;
    }

    /** Whether the commit point writes every output (otherwise it is a checkpoint store, and only the table has them). */
    public boolean committedOutputs() {
        return outputs;
    }

    /** Whether an idempotent table is written beside the commit point. */
    public boolean idempotentTable() {
        return table;
    }
}
