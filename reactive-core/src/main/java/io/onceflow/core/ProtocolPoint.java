package io.onceflow.core;

/**
 * The moments of the checkpoint protocol that a {@link ProtocolListener} hears about: the places where a crash is
 * most likely to break exactly-once if the protocol were wrong.
 *
 * <pre>
 *   marker N reaches the sinks
 *     idempotent sinks flush(N) ─▶ AFTER_FLUSH
 *     commit point: writes N ─▶ AFTER_SEND_OFFSETS (Kafka) ─▶ BEFORE_TRANSACTION_COMMIT ─▶ commit ─▶ AFTER_COMMIT
 *     the source hears of N (Kafka group offsets, when Kafka is not the commit point)
 *   partitions revoked ─▶ DURING_REBALANCE ─▶ the checkpoint that closes them
 *   partitions assigned ─▶ claimed, positions and state read ─▶ DURING_RESTORE ─▶ state restored, source seeks
 * </pre>
 *
 * @since 0.1
 */
public enum ProtocolPoint {
    /**
     * Every idempotent sink has made checkpoint N durable; the commit point has not been asked to commit it. Reached
     * by the engine once per checkpoint, also when there is no idempotent sink.
     */
    AFTER_FLUSH,
    /**
     * The Kafka transactional sink has sent checkpoint N's offsets into its open transaction
     * ({@code sendOffsetsToTransaction}); the transaction is not committed.
     */
    AFTER_SEND_OFFSETS,
    /**
     * The commit point's transaction holds all of checkpoint N and is about to commit: for Kafka, right before
     * {@code commitTransaction}; for PostgreSQL, after the last statement and before {@code COMMIT}. For the
     * at-least-once Kafka sink, which has no transaction: every write of checkpoint N is acknowledged and its offsets
     * are about to be committed (a crash here writes the checkpoint twice).
     */
    BEFORE_TRANSACTION_COMMIT,
    /**
     * The commit point has committed checkpoint N; the source has not been told, so the Kafka group offsets (for lag
     * tooling, when Kafka is not the commit point) are not committed yet. Reached by the engine.
     */
    AFTER_COMMIT,
    /**
     * The Kafka source is giving up partitions in a rebalance; the checkpoint that closes them has not completed.
     * Reached on the consumer's poll thread, inside the revocation callback; the checkpoint id is unknown (-1).
     */
    DURING_REBALANCE,
    /**
     * Partitions have been claimed at the commit point (their previous owner fenced) and their positions and keyed
     * state read; the state is not restored and the source has not seeked yet. Reached by the engine on every
     * assignment; the checkpoint id is unknown (-1).
     */
    DURING_RESTORE
}
