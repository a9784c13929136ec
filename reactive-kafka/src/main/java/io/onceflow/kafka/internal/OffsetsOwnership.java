package io.onceflow.kafka.internal;

import io.onceflow.core.OnceflowException;
import io.onceflow.core.TransientFailureException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * Whether a checkpoint's offsets may still be sent: every partition still assigned to the consumer, and assigned
 * under the same assignment as when the checkpoint was first attempted.
 *
 * <p>The second condition is what a retry after a generation race needs: while a checkpoint waits to try again, its
 * partitions can be lost, go to another owner who commits beyond them, and come back to this consumer (A, B, A). The
 * consumer owns them again, so the first condition holds, but the checkpoint's positions are older than what B
 * committed: sending them would move the group's offsets back, and B's output would be replayed on top of itself.
 */
final class OffsetsOwnership {

    private OffsetsOwnership() {}

    /**
     * Why the offsets of {@code partitions} must not be sent, or {@code null} when they may be.
     *
     * @param assignment the consumer's assignment now
     * @param now the run's ownership of the partitions now (a number that changes at each assignment; -1 for a
     *     partition the run was never assigned)
     * @param expected the ownership when the checkpoint was first attempted
     */
    static @Nullable OnceflowException refusal(
            long checkpointId,
            Collection<TopicPartition> partitions,
            Set<TopicPartition> assignment,
            Map<TopicPartition, Long> now,
            Map<TopicPartition, Long> expected) {
        List<TopicPartition> gone =
                partitions.stream().filter(p -> !assignment.contains(p)).toList();
        if (!gone.isEmpty()) {
            return new TransientFailureException(
                    "partitions " + gone + " are no longer assigned to this consumer: their checkpoint must not"
                            + " commit, their new owner replays it",
                    null);
        }
        List<TopicPartition> reassigned = partitions.stream()
                .filter(p -> now.getOrDefault(p, -1L) < 0 || !now.get(p).equals(expected.get(p)))
                .toList();
        if (!reassigned.isEmpty()) {
            return new TransientFailureException(
                    "partitions " + reassigned + " were assigned again since checkpoint " + checkpointId + " was"
                            + " first attempted: another owner may have committed beyond its positions, so it must"
                            + " not commit; the run replays from what is committed",
                    null);
        }
        return null;
    }
}
