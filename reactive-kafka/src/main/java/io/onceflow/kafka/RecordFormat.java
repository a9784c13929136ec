package io.onceflow.kafka;

import static java.util.Objects.requireNonNull;

/**
 * Turns a whole Kafka record (key, value, headers, timestamp) into the value a {@link KafkaSource} emits: for
 * pipelines that need more than the value, such as the key an upstream producer partitioned by, or an idempotency key
 * or trace id carried in a header. A source that needs only the value takes a {@link Format} with
 * {@link KafkaSourceOptions.Builder#valueFormat(Decoder)}, which is {@link #value(Decoder)}.
 *
 * <p>{@link #decode} may throw on malformed input, and may return {@code null} only to say the same: the source then
 * turns the record into a {@link io.onceflow.core.DeadLetter} whose {@link DeserializationException} names the topic,
 * partition and offset. Tombstones (records with a null value) are given to the format too. Implementations must be
 * thread-safe.
 *
 * <pre>{@code
 * Format<Payment> json = Json.of(Payment.class);
 * RecordFormat<TracedPayment> traced = record ->
 *         new TracedPayment(record.header("trace-id"), json.decode(record.value()));
 * KafkaSourceOptions.builder()
 *         .bootstrapServers("localhost:9092")
 *         .topic("payments")
 *         .recordFormat(traced)
 *         .build();
 * }</pre>
 *
 * @param <T> the type of the values the source emits
 * @since 0.1
 */
@FunctionalInterface
public interface RecordFormat<T> {

    /** The value this record becomes. */
    T decode(IncomingRecord record);

    /**
     * Whether {@link #decode} reads {@link IncomingRecord#key()}: when it does not, the consumer does not copy keys
     * out of its fetch buffers, and the key is always {@code null}. True unless overridden.
     */
    default boolean readsKeys() {
        return true;
    }

    /** The format that decodes the value alone with {@code format} and refuses tombstones. */
    static <T> RecordFormat<T> value(Decoder<T> format) {
        return new ValueOnly<>(requireNonNull(format, "format"));
    }

    /** {@link #value(Decoder)}: equal for equal value formats. */
    record ValueOnly<T>(Decoder<T> format) implements RecordFormat<T> {

        public ValueOnly {
            requireNonNull(format, "format");
        }

        @Override
        public T decode(IncomingRecord record) {
            byte[] value = record.value();
            if (value == null) {
                throw new IllegalArgumentException("the record has no value (a tombstone)");
            }
            return format.decode(value);
        }

        @Override
        public boolean readsKeys() {
            return false;
        }

        @Override
        public String toString() {
            return format.toString();
        }
    }
}
