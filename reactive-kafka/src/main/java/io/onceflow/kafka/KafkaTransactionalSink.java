package io.onceflow.kafka;

import static java.util.Objects.requireNonNull;

import io.onceflow.kafka.internal.DefaultKafkaTransactionalSink;
import java.util.function.Function;

/**
 * The exactly-once Kafka commit point ({@link DeliveryGuarantee#EXACTLY_ONCE}, the default;
 * {@link KafkaSink#create(KafkaSource, KafkaSinkOptions, Function)} makes either): one Kafka transaction per
 * checkpoint holds the checkpoint's output records, its dead letters, its keyed-state changes and the source's
 * consumer offsets.
 *
 * <pre>
 *   d d d [M7] ───────────────────────────────────────────────▶ one transaction:
 *   └ sent as they come (inside the open transaction)             output records d d d
 *                                                                  dead letters → deadLetterTopic
 *                                                                  M7's state changes → changelog, partition = source partition
 *                                                                  sendOffsetsToTransaction(M7's positions, group metadata),
 *                                                                    offset metadata names checkpoint 7
 *                                                                  commit
 * </pre>
 *
 * <p>The sink is created from the pipeline's {@link KafkaSource}, and takes its cluster, consumer group and
 * connection settings: the offsets are committed to the source's consumer group with its consumer's current group
 * metadata, read on its poll thread, which is how Kafka fences a previous owner of the partitions (KIP-447).
 * Assembly refuses a pipeline that reads another source. The producer's transactional id is the pipeline's name (or
 * {@link KafkaSinkOptions#transactionalIdPrefix()}), {@code -}, and the pipeline instance id: opening the sink starts
 * {@code initTransactions()}, which fences a predecessor with the same id and aborts its open transaction; the
 * consumer joins its group meanwhile, and claiming partitions waits for the fencing to complete.
 *
 * <p>Keyed state goes to a compacted changelog topic, {@code <pipeline>-changelog} by default, with the state of
 * source partition {@code p} in changelog partition {@code p}. A checkpoint writes its changes of a partition as a few
 * state log records of many entries each; now and then a checkpoint folds one partition's log: it writes the latest
 * value of each entry in it, one record per key (named by the operator, source topic, partition and state key) for
 * compaction to keep, and deletes the log records. On assignment, the sink restores those partitions by reading them
 * to their end with {@code read_committed}, and returns the group's committed offsets (read with
 * {@code requireStable}, which waits for a pending transaction) as the positions to resume from.
 *
 * <p>The pipeline's thread only appends records; a producer thread of the sink's own encodes them (with the record
 * function and the formats) and sends them into the open transaction in batches as they come; records of the next
 * checkpoint wait in memory while a checkpoint commits. A record the mapping function or the formats cannot turn
 * into bytes is a poison record: it goes to the dead-letter topic with the checkpoint, or fails the checkpoint (and
 * stops the pipeline) when there is none.
 *
 * <p><strong>Commit Semantics</strong>: a checkpoint is visible to {@code read_committed} consumers all at once, or
 * not at all. A producer fenced by a newer one with the same transactional id fails with
 * {@link io.onceflow.core.FencedException} and stops the pipeline; any other failure (a broker gone away, a timed-out
 * transaction, a rebalance that outdated the group metadata) aborts the transaction and fails the checkpoint, and
 * the pipeline restarts from the last committed one.
 *
 * <pre>{@code
 * KafkaSource<Payment> payments = KafkaSource.create(KafkaSourceOptions.builder(Json.of(Payment.class))
 *         .bootstrapServers("localhost:9092")
 *         .topic("payments")
 *         .build());
 * KafkaTransactionalSink<Balance> ledger = KafkaTransactionalSink.create(
 *         payments,
 *         KafkaSinkOptions.builder().deadLetterTopic("ledger-dlq").build(),
 *         balance -> KafkaRecord.of("balances", balance.account(), balance));
 * }</pre>
 *
 * @param <T> the type of the records the sink takes
 * @since 0.1
 */
public interface KafkaTransactionalSink<T> extends KafkaSink<T> {

    /**
     * A sink that commits the positions of {@code source} in its transactions, with these options, turning each
     * record into a Kafka record with {@code toRecord}. It writes to the source's cluster with the source's connection
     * and security settings, and commits for the source's consumer group; a pipeline that reads another source is
     * refused at assembly.
     *
     * @param source the pipeline's source, whose positions the sink commits
     * @param options the sink's settings; leave {@code bootstrapServers} and {@code groupId} unset
     * @param toRecord the Kafka record a pipeline record becomes; it must not return {@code null}
     * @throws IllegalArgumentException when the options ask for {@link DeliveryGuarantee#AT_LEAST_ONCE} (that sink is
     *     made by {@link KafkaSink#create(KafkaSource, KafkaSinkOptions, Function)}), or name another cluster or group
     *     than the source's
     * @since 0.2
     */
    static <T> KafkaTransactionalSink<T> create(
            KafkaSource<?> source, KafkaSinkOptions options, Function<? super T, KafkaRecord> toRecord) {
        requireNonNull(source, "source");
        return new DefaultKafkaTransactionalSink<>(source, exactlyOnce(options), requireNonNull(toRecord, "toRecord"));
    }

    /**
     * A sink with these options, for the pipeline's {@link KafkaSource} whatever it is; its cluster, group and
     * security settings must be given again and agree with the source's.
     *
     * @param options the sink's settings, with {@code bootstrapServers}
     * @param toRecord the Kafka record a pipeline record becomes; it must not return {@code null}
     * @throws IllegalArgumentException when the options ask for {@link DeliveryGuarantee#AT_LEAST_ONCE}, or have no
     *     {@code bootstrapServers}
     * @deprecated create the sink from its source, {@link #create(KafkaSource, KafkaSinkOptions, Function)}, which
     *     takes the cluster, the group and the connection settings from it and makes assembly check the pairing
     */
    @Deprecated(since = "0.2")
    static <T> KafkaTransactionalSink<T> create(KafkaSinkOptions options, Function<? super T, KafkaRecord> toRecord) {
        return new DefaultKafkaTransactionalSink<>(null, exactlyOnce(options), requireNonNull(toRecord, "toRecord"));
    }

    private static KafkaSinkOptions exactlyOnce(KafkaSinkOptions options) {
        requireNonNull(options, "options");
        if (options.atLeastOnce()) {
            throw new IllegalArgumentException("the options ask for deliveryGuarantee AT_LEAST_ONCE, which writes no"
                    + " transactions: create the sink with KafkaSink.create(source, options, toRecord), or drop the"
                    + " setting for exactly once");
        }
        return options;
    }
}
