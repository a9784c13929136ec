package io.onceflow.chaos.shapes;

/** The sinks a shape ends in: which is the commit point, and whether an idempotent table is written beside it. */
public enum SinkSet {
    /** A Kafka transactional sink: outputs, dead letters, state and offsets in one transaction per checkpoint. */
    KAFKA(true, false),
    /** The Kafka commit point, and an idempotent PostgreSQL table. */
    KAFKA_AND_TABLE(true, true),
    /** A PostgreSQL commit point: outputs, dead letters, state and positions in one database transaction. */
    POSTGRES(false, false),
    /** The PostgreSQL commit point, and a second, idempotent table. */
    POSTGRES_AND_TABLE(false, true);

    private final boolean kafka;
    private final boolean table;

    SinkSet(boolean kafka, boolean table) {
        this.kafka = kafka;
        this.table = table;
    }

    /** Whether the commit point is Kafka (otherwise PostgreSQL). */
    public boolean kafkaCommitPoint() {
        return kafka;
    }

    /** Whether an idempotent table is written beside the commit point. */
    public boolean idempotentTable() {
        return table;
    }
}
