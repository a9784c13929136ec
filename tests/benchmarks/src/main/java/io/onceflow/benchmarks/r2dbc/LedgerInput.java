package io.onceflow.benchmarks.r2dbc;

import io.onceflow.benchmarks.r2dbc.Ledger.Payment;
import io.onceflow.core.Source;

/**
 * Where the benchmark reads its payments from. Every variant reads the same records, in the same per-partition
 * order.
 *
 * <p><strong>The switch to Kafka.</strong> {@link MemoryInput} serves pre-generated records from memory, so that (a),
 * (b) and (c) compare the sinks and the protocol and nothing else. The issue asks for Kafka as the source: once
 * {@code io.onceflow.kafka.KafkaSource} exists, implement {@link KafkaInput} (produce the records to a topic once,
 * with as many partitions; {@link #source()} returns a {@code KafkaSource} on it with a fresh group per run, and
 * {@link #read} polls a plain {@code KafkaConsumer}) and run with {@code --input kafka}. Nothing else changes.
 */
interface LedgerInput extends AutoCloseable {

    /** A short description, for the report. */
    String describe();

    int partitions();

    /** Records over all partitions. */
    long records();

    /** A fresh Onceflow source over all the records, reading every partition from its start, completing at the end. */
    Source<Payment> source();

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
