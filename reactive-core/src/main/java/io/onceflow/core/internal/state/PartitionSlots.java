package io.onceflow.core.internal.state;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.Origin;
import io.onceflow.core.SourcePartition;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;

/**
 * A stateful operator's per-partition slots for one run, each tied to the partition's {@link StateLease}.
 *
 * <p>A slot is created when the first record of a partition arrives, from the lease the source stage took when it
 * assigned the partition; it is dropped once the lease is released. The last slot used is cached, because records
 * of one partition tend to come in runs. Not thread-safe.
 *
 * @param <P> the slot type
 */
public final class PartitionSlots<P extends PartitionSlots.Slot> {

    /** What every slot knows: its partition and the lease it was created under. */
    public interface Slot {
        SourcePartition partition();

        StateLease lease();
    }

    private final String operator;
    private final StateRegistry registry;
    private final Map<SourcePartition, P> slots = new HashMap<>();
    private @Nullable P last;

    public PartitionSlots(String operator, StateRegistry registry) {
        this.operator = requireNonNull(operator, "operator");
        this.registry = requireNonNull(registry, "registry");
    }

    /** The slot of the partition {@code origin} belongs to, created with {@code create} when there is none. */
    public P get(Origin origin, BiFunction<SourcePartition, StateLease, P> create) {
        P cached = last;
        if (cached != null
                && cached.partition().partition() == origin.partition()
                && cached.partition().source().equals(origin.source())
                && !cached.lease().isReleased()) {
            return cached;
        }
        SourcePartition id = origin.sourcePartition();
        P slot = slots.get(id);
        if (slot == null || slot.lease().isReleased()) {
            StateLease lease = registry.lease(id);
            if (lease == null) {
                throw new IllegalStateException(
                        "operator '" + operator + "' got a record from " + origin + ", whose partition this run"
                                + " does not own: a source must assign a partition before emitting its records");
            }
            slot = create.apply(id, lease);
            slots.put(id, slot);
        }
        last = slot;
        return slot;
    }

    /** The live slots, after dropping those whose lease was released. */
    public Collection<P> live() {
        for (Iterator<P> it = slots.values().iterator(); it.hasNext(); ) {
            P slot = it.next();
            if (slot.lease().isReleased()) {
                it.remove();
                if (slot == last) {
                    last = null;
                }
            }
        }
        return slots.values();
    }
}
