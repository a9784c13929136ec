package io.onceflow.core.internal.state;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.LateRecordException;
import io.onceflow.core.Origin;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import io.onceflow.core.WindowResult;
import io.onceflow.core.Windows;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The open windows of one window operator for one run, per source partition, with each partition's watermark.
 *
 * <p>State entries: one per key ({@code k:<encoded key>}, a JSON array of the key's open windows) and one per
 * partition for the watermark. Not thread-safe.
 *
 * @param <K> the key type
 * @param <A> the aggregate type
 */
public final class WindowTable<K, A> {

    private static final String WATERMARK = "watermark";
    private static final String KEY_PREFIX = "k:";

    private final String operator;
    private final Windows windows;
    private final Supplier<? extends A> initial;
    private final PartitionSlots<Partition<K, A>> partitions;

    public WindowTable(String operator, Windows windows, StateRegistry registry, Supplier<? extends A> initial) {
        this.operator = requireNonNull(operator, "operator");
        this.windows = requireNonNull(windows, "windows");
        this.initial = requireNonNull(initial, "initial");
        this.partitions = new PartitionSlots<>(operator, registry);
    }

    /**
     * Adds a record to every window of {@code key} that contains its timestamp and is not yet expired, then
     * advances the partition's watermark, and appends what fires to {@code out}.
     *
     * @throws LateRecordException when every window of the record has expired; nothing changes then
     */
    public void add(Origin origin, K key, UnaryOperator<A> addValue, List<WindowResult<K, A>> out) {
        Partition<K, A> partition = partitions.get(origin, (id, lease) -> restore(id, lease, key));
        long timestamp = origin.timestamp();
        Map<Long, A> updated = new LinkedHashMap<>();
        for (long start = windows.lastStart(timestamp);
                start > timestamp - windows.sizeMillis();
                start -= windows.slideMillis()) {
            if (expired(start, partition.watermark)) {
                continue;
            }
            A current = partition.aggregate(key, start);
            A next = addValue.apply(current != null ? current : initialAggregate());
            updated.put(start, requireNonNull(next, "the window's add function returned null"));
        }
        if (updated.isEmpty()) {
            throw new LateRecordException(origin, partition.watermark, windows);
        }
        for (Map.Entry<Long, A> window : updated.entrySet()) {
            long start = window.getKey();
            long end = start + windows.sizeMillis();
            Slot<A> slot = partition.put(key, start, window.getValue(), end, windows.allowedLatenessMillis());
            if (end <= partition.watermark) {
                out.add(new WindowResult<>(key, start, end, slot.aggregate, slot.fired));
                slot.fired = true;
            }
        }
        long candidate = timestamp - windows.maxOutOfOrdernessMillis();
        if (candidate > partition.watermark) {
            partition.watermark = candidate;
            partition.watermarkChanged = true;
            partition.fire(windows.sizeMillis(), out);
            partition.purge(windows.sizeMillis(), windows.allowedLatenessMillis());
        }
    }

    /** The changed keys and watermarks since the previous call, encoded; drops revoked partitions. */
    public List<StateChange> drainChanges() {
        List<StateChange> changes = new ArrayList<>();
        for (Partition<K, A> partition : partitions.live()) {
            if (partition.watermarkChanged) {
                byte[] watermark = Long.toString(partition.watermark).getBytes(StandardCharsets.UTF_8);
                changes.add(new StateChange(operator, partition.id, WATERMARK, watermark));
                partition.watermarkChanged = false;
            }
            for (K key : partition.changed) {
                Map<Long, Slot<A>> slots = partition.windows.get(key);
                byte[] encoded = slots == null || slots.isEmpty() ? null : encode(slots);
                changes.add(new StateChange(operator, partition.id, KEY_PREFIX + StateKeys.encode(key), encoded));
            }
            partition.changed.clear();
        }
        return changes;
    }

    private boolean expired(long start, long watermark) {
        long end = start + windows.sizeMillis();
        return watermark != Long.MIN_VALUE && end + windows.allowedLatenessMillis() <= watermark;
    }

    private A initialAggregate() {
        return requireNonNull(initial.get(), "the window's initial aggregate was null");
    }

    private byte[] encode(Map<Long, Slot<A>> slots) {
        ArrayNode array = JsonStateCodec.MAPPER.createArrayNode();
        for (Map.Entry<Long, Slot<A>> slot : slots.entrySet()) {
            ObjectNode node = array.addObject();
            node.put("start", slot.getKey());
            node.put("fired", slot.getValue().fired);
            node.set("aggregate", JsonStateCodec.MAPPER.valueToTree(slot.getValue().aggregate));
        }
        return JsonStateCodec.MAPPER.writeValueAsBytes(array);
    }

    @SuppressWarnings("unchecked")
    private Partition<K, A> restore(SourcePartition id, StateLease lease, K sampleKey) {
        Partition<K, A> partition = new Partition<>(id, lease);
        // read, and taken only once all decoded: a failure here dead-letters the record, not the partition's state
        Map<String, byte[]> restored = lease.restored(operator);
        if (restored.isEmpty()) {
            return partition;
        }
        Class<K> keyType = (Class<K>) sampleKey.getClass();
        Class<A> aggregateType = (Class<A>) initialAggregate().getClass();
        for (Map.Entry<String, byte[]> entry : restored.entrySet()) {
            if (entry.getKey().equals(WATERMARK)) {
                partition.watermark = Long.parseLong(new String(entry.getValue(), StandardCharsets.UTF_8));
                continue;
            }
            K key = StateKeys.decode(entry.getKey().substring(KEY_PREFIX.length()), keyType);
            for (JsonNode node : JsonStateCodec.MAPPER.readTree(entry.getValue())) {
                long start = node.get("start").asLong();
                A aggregate = JsonStateCodec.MAPPER.treeToValue(node.get("aggregate"), aggregateType);
                Slot<A> slot = partition.put(
                        key, start, aggregate, start + windows.sizeMillis(), windows.allowedLatenessMillis());
                slot.fired = node.get("fired").asBoolean();
            }
        }
        partition.changed.clear();
        lease.takeRestored(operator);
        return partition;
    }

    /** One key's aggregate in one window. */
    private static final class Slot<A> {
        A aggregate;
        boolean fired;

        Slot(A aggregate) {
            this.aggregate = aggregate;
        }
    }

    private static final class Partition<K, A> implements PartitionSlots.Slot {
        final SourcePartition id;
        final StateLease lease;
        final Map<K, NavigableMap<Long, Slot<A>>> windows = new HashMap<>();
        final NavigableMap<Long, Set<K>> pendingFire = new TreeMap<>();
        final NavigableMap<Long, Set<K>> pendingPurge = new TreeMap<>();
        final Set<K> changed = new HashSet<>();
        long watermark = Long.MIN_VALUE;
        boolean watermarkChanged;

        Partition(SourcePartition id, StateLease lease) {
            this.id = id;
            this.lease = lease;
        }

        A aggregate(K key, long start) {
            NavigableMap<Long, Slot<A>> slots = windows.get(key);
            Slot<A> slot = slots == null ? null : slots.get(start);
            return slot == null ? null : slot.aggregate;
        }

        Slot<A> put(K key, long start, A aggregate, long end, long lateness) {
            NavigableMap<Long, Slot<A>> slots = windows.computeIfAbsent(key, k -> new TreeMap<>());
            Slot<A> slot = slots.get(start);
            if (slot == null) {
                slot = new Slot<>(aggregate);
                slots.put(start, slot);
                if (end > watermark) {
                    pendingFire.computeIfAbsent(end, e -> new LinkedHashSet<>()).add(key);
                }
                pendingPurge
                        .computeIfAbsent(end + lateness, e -> new LinkedHashSet<>())
                        .add(key);
            } else {
                slot.aggregate = aggregate;
            }
            changed.add(key);
            return slot;
        }

        void fire(long size, List<WindowResult<K, A>> out) {
            NavigableMap<Long, Set<K>> due = pendingFire.headMap(watermark, true);
            for (Map.Entry<Long, Set<K>> byEnd : due.entrySet()) {
                long end = byEnd.getKey();
                for (K key : byEnd.getValue()) {
                    NavigableMap<Long, Slot<A>> slots = windows.get(key);
                    Slot<A> slot = slots == null ? null : slots.get(end - size);
                    if (slot != null && !slot.fired) {
                        slot.fired = true;
                        changed.add(key);
                        out.add(new WindowResult<>(key, end - size, end, slot.aggregate, false));
                    }
                }
            }
            due.clear();
        }

        void purge(long size, long lateness) {
            NavigableMap<Long, Set<K>> due = pendingPurge.headMap(watermark, true);
            for (Map.Entry<Long, Set<K>> byPurgeTime : due.entrySet()) {
                long start = byPurgeTime.getKey() - lateness - size;
                for (K key : byPurgeTime.getValue()) {
                    NavigableMap<Long, Slot<A>> slots = windows.get(key);
                    if (slots != null && slots.remove(start) != null) {
                        changed.add(key);
                        if (slots.isEmpty()) {
                            windows.remove(key);
                        }
                    }
                }
            }
            due.clear();
        }

        @Override
        public SourcePartition partition() {
            return id;
        }

        @Override
        public StateLease lease() {
            return lease;
        }
    }
}
