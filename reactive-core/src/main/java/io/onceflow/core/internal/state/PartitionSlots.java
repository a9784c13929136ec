package io.onceflow.core.internal.state;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.Origin;
import io.onceflow.core.SourcePartition;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A stateful operator's per-partition slots for one run, each tied to the partition's {@link StateLease}.
 *
 * <p>A slot is created when the first record of a partition arrives, from the lease the source stage took when it
 * assigned the partition; it is dropped once the lease is released. The slots of the source seen last are also
 * indexed by partition number, because a source interleaves its partitions (a round-robin test source, a Kafka
 * poll returning several partitions' batches): a record then costs an array read, where a map lookup would
 * allocate a {@link SourcePartition} and hash it. Not thread-safe.
 *
 * @param <P> the slot type
 */
public final class PartitionSlots<P extends PartitionSlots.Slot> {

    /**
     * Creates the slot of a partition the first time one of its records comes by. Operators keep theirs in a field:
     * a lambda or method reference built at each call would be an allocation per record.
     *
     * @param <C> what the operator passes along with the record (the record's key, for example)
     */
    @FunctionalInterface
    public interface Factory<C, P> {
        P create(SourcePartition partition, StateLease lease, C context);
    }

    /** What every slot knows: its partition and the lease it was created under. */
    public interface Slot {
        SourcePartition partition();

        StateLease lease();
    }

    private final String operator;
    private final StateRegistry registry;
    private final Map<SourcePartition, P> slots = new HashMap<>();

    private static final int MAX_INDEXED = 4096;

    /** The source whose slots {@link #byNumber} indexes, by partition number. */
    private @Nullable String indexedSource;

    private @Nullable Object[] byNumber = new Object[0];

    public PartitionSlots(String operator, StateRegistry registry) {
        this.operator = requireNonNull(operator, "operator");
        this.registry = requireNonNull(registry, "registry");
    }

    /**
     * The slot of the partition {@code origin} belongs to, created with {@code create} (given {@code context}) when
     * there is none.
     */
    public <C> P get(Origin origin, C context, Factory<C, P> create) {
        return get(origin.source(), origin.partition(), context, create);
    }

    /** The slot of {@code source}'s partition {@code number}; see {@link #get(Origin, Object, Factory)}. */
    @SuppressWarnings("unchecked")
    public <C> P get(String source, int number, C context, Factory<C, P> create) {
        boolean indexed = source == indexedSource || source.equals(indexedSource);
        if (indexed && number < byNumber.length) {
            P cached = (P) byNumber[number];
            if (cached != null && !cached.lease().isReleased()) {
                return cached;
            }
        }
        SourcePartition id = new SourcePartition(source, number);
        P slot = slots.get(id);
        if (slot == null || slot.lease().isReleased()) {
            StateLease lease = registry.lease(id);
            if (lease == null) {
                throw new UnownedPartitionException(
                        "operator '" + operator + "' got a record from " + id + ", whose partition this run"
                                + " does not own: a source must assign a partition before emitting its records");
            }
            slot = create.create(id, lease, context);
            slots.put(id, slot);
        }
        index(indexed, source, number, slot);
        return slot;
    }

    private void index(boolean indexed, String source, int number, P slot) {
        if (number >= MAX_INDEXED) {
            return; // partition numbers that high are not Kafka's: the map serves them
        }
        if (!indexed) {
            indexedSource = source;
            byNumber = new Object[0];
        }
        if (number >= byNumber.length) {
            byNumber = Arrays.copyOf(byNumber, Math.max(number + 1, byNumber.length * 2));
        }
        byNumber[number] = slot;
    }

    /** The live slots, after dropping those whose lease was released. */
    public Collection<P> live() {
        for (Iterator<P> it = slots.values().iterator(); it.hasNext(); ) {
            P slot = it.next();
            if (slot.lease().isReleased()) {
                it.remove();
                int number = slot.partition().partition();
                if (number < byNumber.length && byNumber[number] == slot) {
                    byNumber[number] = null;
                }
            }
        }
        return slots.values();
    }
}
