package io.onceflow.core.internal.state;

import io.onceflow.core.PipelineConfigurationException;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stateful operators of one pipeline run, and the keyed state restored for them, by partition.
 *
 * <p>Every stateful operator registers here when the run subscribes its chain, before the source assigns a
 * partition: two operators with one name, or an operator without a name of its own in a pipeline whose commit point
 * is durable, fail the run there. The source stage then restores each partition it is assigned, and the operators
 * take their share. State committed for an operator this run does not have stops the run, unless the pipeline
 * allows dropping that operator's state: then its entries are removed from the commit point with the next
 * checkpoint ({@link #drainDropped}).
 */
public final class StateRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(StateRegistry.class);

    /** The registry of operators used outside a pipeline: every partition starts empty, nothing is checked. */
    public static final StateRegistry STANDALONE = new StateRegistry("standalone", Set.of(), false, true);

    private final String pipeline;
    private final Set<String> droppable;
    private final boolean namesRequired;
    private final boolean standalone;
    private final Map<String, StatefulOperator> operators = new ConcurrentHashMap<>();
    private final Map<SourcePartition, StateLease> leases = new ConcurrentHashMap<>();
    private final List<StateChange> dropped = new ArrayList<>();
    private final Map<String, Integer> partitionCounts = new ConcurrentHashMap<>();

    /** A stateful operator of the run: its name, its kind, and whether its name was given or made up. */
    public record StatefulOperator(String name, String kind, boolean named) {}

    private StateRegistry(String pipeline, Set<String> droppable, boolean namesRequired, boolean standalone) {
        this.pipeline = pipeline;
        this.droppable = Set.copyOf(droppable);
        this.namesRequired = namesRequired;
        this.standalone = standalone;
    }

    /**
     * The registry of one run.
     *
     * @param droppable operators whose committed state may be dropped: an operator the pipeline no longer has, or
     *     entries of one that no longer decode
     * @param namesRequired whether stateful operators must be named (the commit point is durable)
     */
    public static StateRegistry create(String pipeline, Set<String> droppable, boolean namesRequired) {
        return new StateRegistry(pipeline, droppable, namesRequired, false);
    }

    /** A registry that checks nothing, for tests of the operators' state outside a pipeline. */
    public static StateRegistry create() {
        return new StateRegistry("test", Set.of(), false, false);
    }

    /**
     * Registers a stateful operator of this run.
     *
     * @throws PipelineConfigurationException when another operator has its name, or when it has none of its own in
     *     a pipeline whose state must survive restarts
     */
    public void register(StatefulOperator operator) {
        if (standalone) {
            return;
        }
        StateMappersWarmUp.startOnce(); // Jackson's first use, off the first record's path
        StatefulOperator other = operators.putIfAbsent(operator.name(), operator);
        if (other != null) {
            throw new PipelineConfigurationException("pipeline '" + pipeline + "' has two stateful operators named '"
                    + operator.name() + "' (a " + other.kind() + " and a " + operator.kind() + "): each keeps its state"
                    + " under its name, so they would share it. Give each a name of its own, stable across versions:"
                    + " Keyed...named(\"...\"), Windows...named(\"...\")");
        }
        if (namesRequired && !operator.named()) {
            throw unnamed(pipeline, List.of(operator.name()));
        }
    }

    /** The failure of a pipeline whose commit point is durable and whose stateful operators are not all named. */
    public static PipelineConfigurationException unnamed(String pipeline, List<String> operators) {
        return new PipelineConfigurationException("pipeline '" + pipeline + "': the stateful operators " + operators
                + " have no names of their own. A durable commit point keeps state under the operator's name, and a"
                + " name made up from the operator's position would hand the state to another operator once one is"
                + " inserted before it. Name each: keyed(\"balances\", key, initial, update),"
                + " Keyed.update(...).named(\"balances\"), window(WindowAggregate.of(...).named(\"totals\")),"
                + " deduplicate(\"payment-ids\", key, retention)");
    }

    /** Records how many partitions {@code source} has, as the source told. */
    public void partitionCount(String source, int partitions) {
        if (partitions > 0) {
            partitionCounts.put(source, partitions);
        }
    }

    /** How many partitions {@code source} has, or 0 when the source did not say. */
    public int partitionCount(String source) {
        return partitionCounts.getOrDefault(source, 0);
    }

    /** Whether entries of {@code operator} that no longer decode may be dropped instead of stopping the run. */
    public boolean dropsUndecodable(String operator) {
        return droppable.contains(operator);
    }

    /**
     * Leases {@code partitions} afresh with their restored {@code state}; any older lease is released.
     *
     * @throws PipelineConfigurationException when the state holds entries of an operator this run does not have,
     *     and dropping them is not allowed
     */
    public void restore(Collection<SourcePartition> partitions, List<StateChange> state) {
        Map<SourcePartition, Map<String, Map<String, byte[]>>> grouped = new HashMap<>();
        Map<String, Integer> orphans = new TreeMap<>();
        List<StateChange> drops = new ArrayList<>();
        for (StateChange change : state) {
            byte[] value = change.value();
            if (value == null) {
                continue;
            }
            if (!standalone && !operators.containsKey(change.operator())) {
                orphans.merge(change.operator(), 1, Integer::sum);
                if (droppable.contains(change.operator())) {
                    drops.add(new StateChange(change.operator(), change.partition(), change.key(), null));
                }
                continue;
            }
            grouped.computeIfAbsent(change.partition(), p -> new HashMap<>())
                    .computeIfAbsent(change.operator(), o -> new HashMap<>())
                    .put(change.key(), value);
        }
        Set<String> refused = new TreeSet<>(orphans.keySet());
        refused.removeAll(droppable);
        if (!refused.isEmpty()) {
            throw new PipelineConfigurationException("pipeline '" + pipeline + "': the commit point holds state of "
                    + refused + " for " + partitions + " (entries: " + orphans + "), but the pipeline has no stateful"
                    + " operator of that name (it has " + new TreeSet<>(operators.keySet()) + "). If an operator was"
                    + " renamed, give it its old name back; if it was removed and its state may go, allow dropping"
                    + " it: Onceflow.pipeline(...).allowDroppingState(" + String.join(", ", quoted(refused)) + ")");
        }
        if (!drops.isEmpty()) {
            LOG.warn(
                    "pipeline={} dropping the committed state of removed operators {} in {} (allowed): {} entries",
                    pipeline,
                    orphans.keySet(),
                    partitions,
                    drops.size());
            synchronized (dropped) {
                dropped.addAll(drops);
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

    private static List<String> quoted(Collection<String> names) {
        return names.stream().map(name -> '"' + name + '"').toList();
    }

    /**
     * The removals of dropped state not yet committed, of partitions the run still owns: the next marker carries them
     * to the commit point, so that dropped state does not come back at the next restore.
     */
    public List<StateChange> drainDropped() {
        synchronized (dropped) {
            if (dropped.isEmpty()) {
                return List.of();
            }
            List<StateChange> drained = new ArrayList<>(dropped.size());
            for (StateChange drop : dropped) {
                if (leases.containsKey(drop.partition())) {
                    drained.add(drop);
                }
            }
            dropped.clear();
            return drained;
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
