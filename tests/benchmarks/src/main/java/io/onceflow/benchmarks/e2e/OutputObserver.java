package io.onceflow.benchmarks.e2e;

/**
 * Where the latency benchmark observes its outputs' visibility: a read_committed consumer of the Kafka sink's topic
 * ({@link CommittedOutputConsumer}), or the checkpoint events of the PostgreSQL commit point.
 */
interface OutputObserver extends AutoCloseable {
    /** Outputs seen so far. */
    long seen();

    @Override
    void close() throws Exception;
}
