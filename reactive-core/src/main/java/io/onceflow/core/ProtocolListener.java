package io.onceflow.core;

/**
 * Hears the {@link ProtocolPoint}s of a pipeline's checkpoint protocol as they are reached: a hook for fault
 * injection (a crash test halts the JVM at a chosen point) and for tracing. Set it with
 * {@link PipelineBuilder#protocolListener(ProtocolListener)}; participants reach it through
 * {@link SinkContext#protocolListener()} and {@link SourceContext#protocolListener()}.
 *
 * <p>It is called each time a point is reached: once per checkpoint (again when a participant retries the checkpoint's
 * commit), assignment or revocation, never per record; on the thread that reached the point: a Reactor thread, a
 * Kafka client's poll thread, a producer thread. It must not block.
 *
 * <p><strong>Error Mode Support</strong>: an exception it throws fails the step in progress as any failure there
 * would: the checkpoint, the claim of the partitions or their revocation; the run then restarts per its policy.
 *
 * <pre>{@code
 * Onceflow.pipeline("ledger")
 *         .protocolListener((point, checkpointId) -> {
 *             if (point == ProtocolPoint.AFTER_FLUSH && checkpointId == 7) {
 *                 Runtime.getRuntime().halt(137); // a crash between the flush and the commit of checkpoint 7
 *             }
 *         })
 * }</pre>
 *
 * @since 0.1
 */
@FunctionalInterface
public interface ProtocolListener {

    /**
     * The protocol has reached {@code point}.
     *
     * @param point where the protocol is
     * @param checkpointId the checkpoint the point belongs to, or -1 when it belongs to none (a rebalance, a restore)
     */
    void reached(ProtocolPoint point, long checkpointId);

    /** A listener that does nothing: the default. */
    static ProtocolListener none() {
        return NoProtocolListener.INSTANCE;
    }
}
