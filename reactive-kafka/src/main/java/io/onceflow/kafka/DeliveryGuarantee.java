package io.onceflow.kafka;

/**
 * What a pipeline whose commit point is a {@link KafkaSink} promises for each input record: exactly one effect, or at
 * least one. Chosen with {@link KafkaSinkOptions.Builder#deliveryGuarantee(DeliveryGuarantee)}; it is the pipeline's
 * guarantee, since the Kafka sink is its one commit point.
 *
 * <h2>When each fits</h2>
 *
 * <ul>
 *   <li>{@link #EXACTLY_ONCE} when a duplicate costs money or breaks an invariant: payments, billing, metering,
 *       ledgers, inventory, anything summed or counted downstream, anything whose consumer does not deduplicate.
 *   <li>{@link #AT_LEAST_ONCE} when a duplicate is harmless or removed downstream and a loss is not acceptable: logs,
 *       metrics, clickstream, search indexing, cache invalidation, notifications with an idempotency key, outputs an
 *       idempotent consumer (an upsert by key) applies. It writes no transactions: output is visible to every
 *       consumer as soon as it is written (not one checkpoint later), consumers need not read {@code read_committed},
 *       and the broker keeps no transaction state.
 * </ul>
 *
 * <p>At least once is not cheaper by much: the exactly-once sink already sends its records as they come, and its
 * extra cost is one transaction commit per checkpoint (see {@code docs/benchmarks.md}). Choose by what a duplicate
 * costs, not by speed.
 *
 * @since 0.1
 */
public enum DeliveryGuarantee {

    /**
     * One Kafka transaction per checkpoint holds its output, dead letters, state changes and offsets: every input
     * record has exactly one effect, as a {@code read_committed} consumer sees the output. The default.
     */
    EXACTLY_ONCE,

    /**
     * No transactions: an idempotent producer ({@code enable.idempotence=true}, {@code acks=all}) sends output, dead
     * letters and state changes as they come; at each checkpoint the sink waits until every one of them is
     * acknowledged, and only then commits the source's offsets with the consumer. A failure or crash before the
     * offsets commit replays the checkpoint: every input record has at least one effect, and a replayed one may have
     * two (duplicates in the output, and in keyed state restored from the changelog), never none.
     */
    AT_LEAST_ONCE
}
