package io.onceflow.benchmarks.r2dbc;

import io.onceflow.benchmarks.r2dbc.Ledger.Payment;
import io.onceflow.core.Source;

/**
 * The Kafka input, {@code --input kafka}: not wired yet, because {@code io.onceflow.kafka.KafkaSource} is being
 * written. See {@link LedgerInput} for what to implement here.
 */
final class KafkaInput implements LedgerInput {

    KafkaInput() {
        throw new UnsupportedOperationException("--input kafka needs io.onceflow.kafka.KafkaSource, which does not"
                + " exist yet: implement KafkaInput (see LedgerInput) once it does; use --input memory meanwhile");
    }

    @Override
    public String describe() {
        return "kafka";
    }

    @Override
    public int partitions() {
        return 0;
    }

    @Override
    public long records() {
        return 0;
    }

    @Override
    public Source<Payment> source() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void read(RecordConsumer consumer) {
        throw new UnsupportedOperationException();
    }
}
