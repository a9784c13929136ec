package io.onceflow.core.internal.state;

import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The keyed state restored for one pipeline run, by partition: the source stage fills it when partitions are
 * assigned, before their first record, and the keyed operators take from it.
 */
public final class StateRegistry {

    /** The registry of operators used outside a pipeline: every partition starts empty. */
    public static final StateRegistry STANDALONE = new StateRegistry(true);

    private final Map<SourcePartition, StateLease> leases = new ConcurrentHashMap<>();
    private final boolean standalone;

    private StateRegistry(boolean standalone) {
        this.standalone = standalone;
    }

    public static StateRegistry create() {
        return new StateRegistry(false);
    }

    /** Leases {@code partitions} afresh with their restored {@code state}; any older lease is released. */
    public void restore(Collection<SourcePartition> partitions, List<StateChange> state) {
        Map<SourcePartition, Map<String, Map<String, byte[]>>> grouped = new HashMap<>();
        for (StateChange change : state) {
            if (change.value() != null) {
                grouped.computeIfAbsent(change.partition(), p -> new HashMap<>())
                        .computeIfAbsent(change.operator(), o -> new HashMap<>())
                        .put(change.key(), change.value());
            }
        }
        for (SourcePartition partition : partitions) {
            StateLease lease = new StateLease(partition, grouped.getOrDefault(partition, Map.of()));
            StateLease previous = leases.put(partition, lease);
            if (previous != null) {
                previous.release();
            }
        }
    }

    /** Releases {@code partitions}: their operators drop the state at their next look. */
    public void release(Collection<SourcePartition> partitions) {
        for (SourcePartition partition : partitions) {
            StateLease lease = leases.remove(partition);
            if (lease != null) {
                lease.release();
            }
        }
    }

    /** The current lease of {@code partition}, or {@code null} when the run does not own it. */
    public @Nullable StateLease lease(SourcePartition partition) {
        if (standalone) {
            return StateLease.STANDALONE;
        }
        return leases.get(partition);
    }
}
