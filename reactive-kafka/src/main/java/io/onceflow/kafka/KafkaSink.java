package io.onceflow.kafka;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.CommitPoint;
import io.onceflow.kafka.internal.DefaultKafkaAtLeastOnceSink;
import io.onceflow.kafka.internal.DefaultKafkaTransactionalSink;
import java.util.function.Function;

/**
 * The Kafka commit point, with the {@link DeliveryGuarantee} its options choose: exactly once (a
 * {@link KafkaTransactionalSink}, one transaction per checkpoint) or at least once (an idempotent producer, the
 * offsets committed after every write of the checkpoint is acknowledged).
 *
 * <pre>
 *   exactly once:   d d d [M7] ─▶ one transaction: d d d, dead letters, M7's state, M7's offsets ─▶ commit
 *
 *   at least once:  d ─▶ sent   d ─▶ sent   d ─▶ sent   [M7] ─▶ dead letters, M7's state sent
 *                   (acks=all, idempotent, visible at once)    ─▶ flush, every ack of M7's writes
 *                                                               ─▶ commitSync(M7's offsets) on the source's poll thread
 * </pre>
 *
 * <p>Either way the sink is created from the pipeline's {@link KafkaSource} and takes its cluster, group and
 * connection settings: the offsets are the consumer group's, committed with the
 * consumer's current generation, which fences a member that lost its partitions in a rebalance. Assembly refuses a
 * pipeline that reads another source than the sink's. Keyed state goes to the same compacted changelog topic and is restored from it on assignment.
 *
 * <p><strong>Commit Semantics</strong> of {@link DeliveryGuarantee#AT_LEAST_ONCE}: a checkpoint completes once every
 * record, dead letter and state change written for it has been acknowledged by the brokers ({@code acks=all}) and then
 * the offsets are committed; a send that failed, acks that do not come within {@code requestTimeout}, or refused
 * offsets fail the checkpoint without committing anything, and the pipeline restarts from the last committed offsets.
 * What was already written stays: the replay writes it again (duplicates, counted by nobody), never skips it (no loss).
 * Keyed state restored after such a failure may already hold the effect of records that are then replayed. A frozen
 * instance past its session cannot commit offsets (its generation is gone), but may still write output and state.
 *
 * <pre>{@code
 * KafkaSource<Click> source = KafkaSource.create(KafkaSourceOptions.builder(Json.of(Click.class))
 *         .bootstrapServers("localhost:9092")
 *         .topic("clicks")
 *         .build());
 * KafkaSink<Click> clicks = KafkaSink.create(
 *         source,
 *         KafkaSinkOptions.builder()
 *                 .deliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
 *                 .build(),
 *         click -> KafkaRecord.of("sessions", click.session(), click));
 * }</pre>
 *
 * @param <T> the type of the records the sink takes
 * @since 0.1
 */
public interface KafkaSink<T> extends CommitPoint<T> {

    /**
     * A sink that commits the positions of {@code source}, with these options and their
     * {@link KafkaSinkOptions#deliveryGuarantee() guarantee}, turning each record into a Kafka record with
     * {@code toRecord}. It writes to the source's cluster with the source's connection and security settings, and
     * commits for the source's consumer group; a pipeline that reads another source is refused at assembly.
     *
     * @param source the pipeline's source, whose positions the sink commits
     * @param options the sink's settings; leave {@code bootstrapServers} and {@code groupId} unset
     * @param toRecord the Kafka record a pipeline record becomes; it must not return {@code null}
     * @throws IllegalArgumentException when the options name another cluster or group than the source's
     * @since 0.2
     */
    static <T> KafkaSink<T> create(
            KafkaSource<?> source, KafkaSinkOptions options, Function<? super T, KafkaRecord> toRecord) {
        requireNonNull(source, "source");
        requireNonNull(options, "options");
        requireNonNull(toRecord, "toRecord");
        return options.atLeastOnce()
                ? new DefaultKafkaAtLeastOnceSink<>(source, options, toRecord)
                : new DefaultKafkaTransactionalSink<>(source, options, toRecord);
    }

    /**
     * A sink with these options, for the pipeline's {@link KafkaSource} whatever it is; its cluster, group and
     * security settings must be given again and agree with the source's.
     *
     * @param options the sink's settings, with {@code bootstrapServers}
     * @param toRecord the Kafka record a pipeline record becomes; it must not return {@code null}
     * @throws IllegalArgumentException when the options have no {@code bootstrapServers}
     * @deprecated create the sink from its source, {@link #create(KafkaSource, KafkaSinkOptions, Function)}, which
     *     takes the cluster, the group and the connection settings from it and makes assembly check the pairing
     */
    @Deprecated(since = "0.2")
    static <T> KafkaSink<T> create(KafkaSinkOptions options, Function<? super T, KafkaRecord> toRecord) {
        requireNonNull(options, "options");
        requireNonNull(toRecord, "toRecord");
        return options.atLeastOnce()
                ? new DefaultKafkaAtLeastOnceSink<>(null, options, toRecord)
                : new DefaultKafkaTransactionalSink<>(null, options, toRecord);
    }

    /** The sink's options. */
    KafkaSinkOptions options();

    /** What the sink promises for each input record. */
    default DeliveryGuarantee deliveryGuarantee() {
        return options().deliveryGuarantee();
    }
}
