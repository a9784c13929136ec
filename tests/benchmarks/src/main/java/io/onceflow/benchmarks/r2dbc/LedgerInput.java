package io.onceflow.benchmarks.r2dbc;

import io.onceflow.benchmarks.r2dbc.Ledger.Payment;
import io.onceflow.core.Source;

/**
 * Where the benchmark reads its payments from. Every variant reads the same records, in the same per-partition
 * order: {@link MemoryInput} from memory (the sinks and the protocol and nothing else compared), {@link KafkaInput}
 * from a topic on a real broker ({@code --input kafka}, what the report runs).
 */
interface LedgerInput extends AutoCloseable {

    /** A short description, for the report. */
    String describe();

    int partitions();

    /** Records over all partitions. */
    long records();

    /** A fresh Onceflow source over all the records, reading every partition from its start, completing at the end. */
    Source<Payment> source();

    /** Whether {@link #source()} completes after the last record; a Kafka source does not. */
    default boolean completes() {
        return true;
    }

    /** Reads every record once, partitions interleaved, each partition in offset order; for the hand-written loops. */
    void read(RecordConsumer consumer) throws Exception;

    /** Receives one record with its partition and offset. */
    @FunctionalInterface
    interface RecordConsumer {
        void accept(int partition, long offset, Payment payment) throws Exception;
    }

    @Override
    default void close() {}
}
