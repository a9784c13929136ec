package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.core.FencedException;
import io.onceflow.core.Marker;
import io.onceflow.core.SourcePartition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The partitions a PostgreSQL commit point's run has claimed, with the epoch of each claim, and the claims each sealed
 * checkpoint was sealed under.
 *
 * <p>A checkpoint commits its positions and state under the claims in force when its marker reached the sink, not
 * those in force when its commit begins. The difference matters when a partition is claimed again by the same run
 * before an earlier checkpoint of it has committed (a claim waits for a pooled connection, a commit behind it waits
 * longer): that checkpoint's records were read under the earlier claim, maybe before another owner committed beyond
 * them, and under the new epoch its fence would pass and move the partition's position back, with only its own state
 * changes beside the newer owner's. Under the sealed epoch the fence fails, as it must.
 *
 * <p>Claims come from {@code recover} (any thread); seals from the data path; the commit path reads both. Thread-safe.
 */
final class PartitionClaims {

    private final String pipeline;
    private final String sink;
    private final Map<SourcePartition, Long> epochs = new ConcurrentHashMap<>();
    private final Map<Long, Map<SourcePartition, Long>> sealed = new ConcurrentHashMap<>();

    PartitionClaims(String pipeline, String sink) {
        this.pipeline = pipeline;
        this.sink = sink;
    }

    /** Records a claim of {@code partition} at {@code epoch}, replacing an earlier claim of it by this run. */
    void claimed(SourcePartition partition, long epoch) {
        epochs.put(partition, epoch);
    }

    /** At a checkpoint's marker: notes the claims its positions are under now. */
    void seal(Marker<?> marker) {
        Map<SourcePartition, Long> under = new HashMap<>();
        for (SourcePartition partition : marker.positions().partitions()) {
            Long epoch = epochs.get(partition);
            if (epoch != null) {
                under.put(partition, epoch);
            }
        }
        sealed.put(marker.checkpointId(), under);
    }

    /** The claims checkpoint {@code checkpointId} was sealed under: the epoch of each partition of its positions. */
    Map<SourcePartition, Long> sealedUnder(long checkpointId) {
        Map<SourcePartition, Long> under = sealed.get(checkpointId);
        if (under == null) {
            throw new IllegalStateException("checkpoint " + checkpointId + " is not sealed and uncommitted");
        }
        return under;
    }

    /**
     * Why {@code marker}'s checkpoint must not commit: a partition of its positions this run had not claimed when the
     * checkpoint was sealed, or has claimed again since; {@code null} when it may.
     */
    @Nullable
    FencedException refusal(Marker<?> marker) {
        Map<SourcePartition, Long> under = sealedUnder(marker.checkpointId());
        List<SourcePartition> never = new ArrayList<>();
        List<String> again = new ArrayList<>();
        for (SourcePartition partition : marker.positions().partitions()) {
            Long epoch = under.get(partition);
            Long now = epochs.get(partition);
            if (epoch == null) {
                never.add(partition);
            } else if (!epoch.equals(now)) {
                again.add(partition + " (sealed at epoch " + epoch + ", claimed again at " + now + ")");
            }
        }
        if (!never.isEmpty()) {
            return new FencedException(cannotCommit(marker) + " for " + never + ", which this run never claimed", null);
        }
        if (!again.isEmpty()) {
            return new FencedException(
                    cannotCommit(marker) + " for " + again + ": its records were read under the earlier claim, and the"
                            + " run restarts to read them again under a claim of its own",
                    null);
        }
        return null;
    }

    private String cannotCommit(Marker<?> marker) {
        return "pipeline '" + pipeline + "': '" + sink + "' cannot commit checkpoint " + marker.checkpointId();
    }

    /** Forgets a checkpoint once its commit has ended, either way. */
    void forget(long checkpointId) {
        sealed.remove(checkpointId);
    }
}
