package io.onceflow.kafka;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.Source;
import io.onceflow.kafka.internal.DefaultKafkaSource;

/**
 * A {@link Source} that reads Kafka topics as a member of a consumer group: Onceflow injects checkpoint markers
 * between its records and tracks each partition's position.
 *
 * <pre>
 *   partitions ─poll─▶ decode ─▶ d d d ─[M1]─ d d ─[M2]─▶ pipeline       (markers injected by the pipeline)
 *        ▲ assigned: claim via the commit point, restore state, seek to its positions
 *        └ revoked:  wait (bounded) until a checkpoint covering everything read from them has committed
 * </pre>
 *
 * <p>Records are decoded with {@link KafkaSourceOptions#recordFormat()} (usually the value alone, with a
 * {@link Format}; a {@link RecordFormat} reads keys and headers too); a record that does not decode (or has no
 * value) becomes a {@link io.onceflow.core.DeadLetter} carrying its raw bytes and a {@link DeserializationException}
 * that names its topic, partition and offset. Demand is respected end to end: when the pipeline stops requesting,
 * the consumer pauses its partitions and keeps polling (so it stays in its group) without fetching.
 *
 * <p><strong>Assignment and revocation</strong>: when the group assigns partitions, the source claims them through
 * the pipeline's commit point (which fences their previous owner and returns their committed positions and keyed
 * state) and seeks there; partitions with no committed position start at {@link KafkaSourceOptions#startPosition()}.
 * When partitions are revoked, the source asks for a checkpoint that closes them and waits for it, at most the
 * pipeline's revocation grace period; if it does not complete in time, the run fails and nothing of its open
 * checkpoint is committed. Both happen on the consumer's poll thread, which waits a bounded time.
 *
 * <p><strong>Commit Semantics</strong>: the source commits nothing itself when Kafka is the commit point: the
 * {@link KafkaTransactionalSink} commits the group's offsets in its transactions. With another commit point, the
 * source commits the group's offsets after each completed checkpoint, for lag tooling only: positions always come
 * from the commit point.
 *
 * <p>Completion: the source never completes on its own; the pipeline's {@code stop()} ends it. Errors: a consumer
 * failure, or a revocation that misses its grace period, fails the run, which restarts per the pipeline's policy.
 * Cancellation closes the consumer, which leaves the group.
 *
 * <pre>{@code
 * KafkaSource<Payment> payments = KafkaSource.create(KafkaSourceOptions.builder()
 *         .bootstrapServers("localhost:9092")
 *         .topic("payments")
 *         .valueFormat(Json.of(Payment.class))
 *         .build());
 * }</pre>
 *
 * @param <T> the type of the record values
 * @since 0.1
 */
public interface KafkaSource<T> extends Source<T> {

    /** A source with these options; nothing connects until a pipeline runs. */
    static <T> KafkaSource<T> create(KafkaSourceOptions<T> options) {
        return new DefaultKafkaSource<>(requireNonNull(options, "options"));
    }

    /** The source's options. */
    KafkaSourceOptions<T> options();
}
