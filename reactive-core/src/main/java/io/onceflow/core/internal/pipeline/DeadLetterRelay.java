package io.onceflow.core.internal.pipeline;

import io.onceflow.core.DeadLetter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Carries the dead letters an idempotent sink finds while it flushes a checkpoint (rows the database refused) to the
 * commit point, which commits them with that very checkpoint. One per run: the sinks open before the stage that
 * drains it exists, so it is handed to their contexts first and read by the {@link SinkStage} between a checkpoint's
 * flushes and its commit.
 */
final class DeadLetterRelay {

    private final Map<Long, List<DeadLetter<?>>> byCheckpoint = new ConcurrentHashMap<>();
    private volatile boolean accepted;

    /** Set once the commit point is open: whether it has a dead-letter destination. */
    void accepted(boolean commitPointAccepts) {
        this.accepted = commitPointAccepts;
    }

    boolean accepts() {
        return accepted;
    }

    void add(long checkpointId, DeadLetter<?> deadLetter) {
        if (!accepted) {
            throw new UnsupportedOperationException("the commit point has no dead-letter destination");
        }
        byCheckpoint.computeIfAbsent(checkpointId, id -> new ArrayList<>()).add(deadLetter);
    }

    /** The dead letters of checkpoint {@code checkpointId}, taken: its flushes have all completed. */
    List<DeadLetter<?>> take(long checkpointId) {
        List<DeadLetter<?>> taken = byCheckpoint.remove(checkpointId);
        return taken == null ? List.of() : taken;
    }
}
