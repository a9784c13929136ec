package io.onceflow.core.internal.state;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.FutureTimestampException;
import io.onceflow.core.KeyEncodingException;
import io.onceflow.core.LateRecordException;
import io.onceflow.core.Origin;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import io.onceflow.core.StateCodec;
import io.onceflow.core.StateCodecException;
import io.onceflow.core.WindowResult;
import io.onceflow.core.Windows;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
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
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open windows of one window operator for one run, per source partition, with each partition's watermark.
 *
 * <p>State entries: one per key ({@code k:<encoded key>}, the key's open windows, each with its aggregate encoded by
 * the aggregate codec) and one per partition for the watermark. Keys and aggregates are encoded by the declared
 * codecs, or by the default ones bound to the class of the first key and of the initial aggregate (see
 * {@link JsonStateCodec}). Not thread-safe.
 *
 * @param <K> the key type
 * @param <A> the aggregate type
 */
public final class WindowTable<K, A> {

    private static final Logger LOG = LoggerFactory.getLogger(WindowTable.class);
    private static final String WATERMARK = "watermark";
    private static final byte FORMAT = 1;
    private static final String KEY_PREFIX = "k:";

    private final String operator;
    private final Windows windows;
    private final Supplier<? extends A> initial;
    private final StateRegistry registry;
    private final PartitionSlots<Partition<K, A>> partitions;
    private final PartitionSlots.Factory<@Nullable Void, Partition<K, A>> restorer =
            (id, lease, none) -> restore(id, lease);
    private final EventTime eventTime;
    private @Nullable StateCodec<K> keyCodec;
    private @Nullable StateCodec<A> aggregateCodec;

    /**
     * @param keyCodec the declared key codec, or {@code null} for the default one, bound to the class of the first
     *     key
     * @param aggregateCodec the declared aggregate codec, or {@code null} for the default one, bound to the class of
     *     the initial aggregate
     */
    public WindowTable(
            String operator,
            Windows windows,
            StateRegistry registry,
            Supplier<? extends A> initial,
            @Nullable StateCodec<K> keyCodec,
            @Nullable StateCodec<A> aggregateCodec) {
        this.operator = requireNonNull(operator, "operator");
        this.windows = requireNonNull(windows, "windows");
        this.initial = requireNonNull(initial, "initial");
        this.registry = requireNonNull(registry, "registry");
        this.partitions = new PartitionSlots<>(operator, registry);
        this.eventTime = new EventTime(windows.maxTimestampAheadMillis());
        this.keyCodec = keyCodec;
        this.aggregateCodec = aggregateCodec;
    }

    /**
     * Adds a record to every window of {@code key} that contains its timestamp and is not yet expired, then
     * advances the partition's watermark, and appends what fires to {@code out}.
     *
     * @throws LateRecordException when every window of the record has expired; nothing changes then
     * @throws FutureTimestampException when the record is dated too far ahead of the clock; nothing changes then
     */
    public void add(Origin origin, K key, UnaryOperator<A> addValue, List<WindowResult<K, A>> out) {
        if (eventTime.tooFarAhead(origin.timestamp())) {
            throw new FutureTimestampException(
                    named(), origin, eventTime.clock(), Duration.ofMillis(windows.maxTimestampAheadMillis()));
        }
        resolveCodecs(key);
        Partition<K, A> partition = partitions.get(origin, null, restorer);
        if (!partition.windows.containsKey(key)) {
            requireStorable(key);
        }
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
            // removals of dropped state first: a key written since must end up with its new state
            for (String dropped : partition.dropped) {
                changes.add(new StateChange(operator, partition.id, dropped, null));
            }
            partition.dropped.clear();

            if (partition.watermarkChanged) {
                byte[] watermark = Long.toString(partition.watermark).getBytes(StandardCharsets.UTF_8);
                changes.add(new StateChange(operator, partition.id, WATERMARK, watermark));
                partition.watermarkChanged = false;
            }
            for (K key : partition.changed) {
                Map<Long, Slot<A>> slots = partition.windows.get(key);
                String encodedKey = KEY_PREFIX + encodeKey(partition.id, key);
                byte[] encoded = slots == null || slots.isEmpty() ? null : encode(partition.id, encodedKey, slots);
                changes.add(new StateChange(operator, partition.id, encodedKey, encoded));
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

    private void resolveCodecs(K sampleKey) {
        if (keyCodec == null) {
            keyCodec = JsonStateCodec.inferred(sampleKey.getClass());
        }
        if (aggregateCodec == null) {
            aggregateCodec = JsonStateCodec.inferred(initialAggregate().getClass());
        }
    }

    /**
     * Refuses a key that could not be committed, when it opens its first window: its record is dead-lettered rather
     * than the checkpoint failed, at every restart, when the marker encodes it.
     *
     * @throws KeyEncodingException when the key codec cannot encode the key, or its stored form holds an unpaired
     *     surrogate
     */
    private void requireStorable(K key) {
        StateKeys.requireStorable(named(), storedForm(key));
    }

    /** Whether keys are stored as themselves: strings, with the default codec. */
    private boolean plainKeys() {
        return keyCodec instanceof JsonStateCodec<K> json && !json.isDeclared() && json.binds(String.class);
    }

    /** A key's stored form at a marker, where a key that cannot be stored is the committed state's fault. */
    private String encodeKey(SourcePartition partition, K key) {
        try {
            return storedForm(key);
        } catch (KeyEncodingException e) {
            throw new StateCodecException(e.getMessage() + " (in " + partition + ")", e);
        }
    }

    /**
     * A key as the commit point stores it: a string as itself, another key as its JSON text (deterministic, so that
     * a key's entry is found again), or Base64 from a codec of the user's that writes bytes.
     *
     * @throws KeyEncodingException when the key codec cannot encode it
     */
    private String storedForm(K key) {
        StateCodec<K> codec = requireNonNull(keyCodec);
        if (plainKeys()) {
            if (key instanceof String text) {
                return text;
            }
            throw new KeyEncodingException(
                    named(),
                    String.valueOf(key),
                    "the operator's first key was a String and this one is a "
                            + key.getClass().getName() + ": declare the key type (WindowAggregate...keyType(...))",
                    null);
        }
        byte[] bytes;
        try {
            bytes = codec.encode(key);
        } catch (RuntimeException e) {
            throw new KeyEncodingException(named(), String.valueOf(key), "the key codec failed: " + e.getMessage(), e);
        }
        return codec instanceof JsonStateCodec
                ? new String(bytes, StandardCharsets.UTF_8)
                : Base64.getEncoder().encodeToString(bytes);
    }

    private String named() {
        return "window operator '" + operator + "'";
    }

    @SuppressWarnings("unchecked")
    private K decodeKey(String encoded) {
        StateCodec<K> codec = requireNonNull(keyCodec);
        if (plainKeys()) {
            return (K) encoded;
        }
        return codec.decode(
                codec instanceof JsonStateCodec
                        ? encoded.getBytes(StandardCharsets.UTF_8)
                        : Base64.getDecoder().decode(encoded));
    }

    /** A key's open windows: {@code [format] [count] ([start] [sequence] [fired] [length] [aggregate])*}. */
    private byte[] encode(SourcePartition partition, String key, Map<Long, Slot<A>> slots) {
        StateCodec<A> codec = requireNonNull(aggregateCodec);
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(buffer)) {
            out.writeByte(FORMAT);
            out.writeInt(slots.size());
            for (Map.Entry<Long, Slot<A>> slot : slots.entrySet()) {
                byte[] aggregate = codec.encode(slot.getValue().aggregate);
                out.writeLong(slot.getKey());
                out.writeLong(slot.getValue().sequence);
                out.writeBoolean(slot.getValue().fired);
                out.writeInt(aggregate.length);
                out.write(aggregate);
            }
        } catch (IOException | RuntimeException e) {
            throw new StateCodecException(
                    "window operator '" + operator + "': the windows of key '" + key + "' in " + partition
                            + " cannot be committed: " + e.getMessage(),
                    e);
        }
        return buffer.toByteArray();
    }

    /**
     * The partition's slot with its restored windows, decoded all at once (firing needs every open window, not only
     * those of keys seen again). A key whose windows no longer decode stops the run, unless the pipeline allows
     * dropping this operator's state: then its entry is removed with the next checkpoint.
     */
    private Partition<K, A> restore(SourcePartition id, StateLease lease) {
        Partition<K, A> partition = new Partition<>(id, lease);
        Map<String, byte[]> restored = lease.takeRestored(operator);
        List<RestoredWindow<K, A>> opened = new ArrayList<>();
        for (Map.Entry<String, byte[]> entry : restored.entrySet()) {
            try {
                if (entry.getKey().equals(WATERMARK)) {
                    partition.watermark = Long.parseLong(new String(entry.getValue(), StandardCharsets.UTF_8));
                    continue;
                }
                K key = decodeKey(entry.getKey().substring(KEY_PREFIX.length()));
                decodeSlots(key, entry.getValue(), opened);
            } catch (RuntimeException | IOException e) {
                if (!registry.dropsUndecodable(operator)) {
                    throw new StateCodecException(
                            "window operator '" + operator + "': the committed state '" + entry.getKey() + "' in "
                                    + id + " no longer decodes: " + e.getMessage() + ". If the key's or aggregate's"
                                    + " type changed on purpose and the old windows may go, allow dropping them:"
                                    + " Onceflow.pipeline(...).allowDroppingState(\"" + operator + "\")",
                            e);
                }
                LOG.warn(
                        "window operator '{}': dropping committed state '{}' of {} that no longer decodes (allowed)",
                        operator,
                        entry.getKey(),
                        id);
                partition.dropped.add(entry.getKey());
            }
        }
        // in the order they were opened: windows that fire together fire in the order they did before
        opened.sort(Comparator.comparingLong(RestoredWindow::sequence));
        for (RestoredWindow<K, A> window : opened) {
            long end = window.start() + windows.sizeMillis();
            Slot<A> slot = partition.put(
                    window.key(),
                    window.start(),
                    window.aggregate(),
                    end,
                    windows.allowedLatenessMillis(),
                    window.sequence());
            slot.fired = window.fired();
        }
        partition.changed.clear();
        return partition;
    }

    private record RestoredWindow<K, A>(K key, long start, long sequence, boolean fired, A aggregate) {}

    private void decodeSlots(K key, byte[] encoded, List<RestoredWindow<K, A>> opened) throws IOException {
        StateCodec<A> codec = requireNonNull(aggregateCodec);
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
            int format = in.readByte();
            if (format != FORMAT) {
                throw new IOException("unknown window state format " + format);
            }
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                long start = in.readLong();
                long sequence = in.readLong();
                boolean fired = in.readBoolean();
                byte[] aggregate = new byte[in.readInt()];
                in.readFully(aggregate);
                opened.add(new RestoredWindow<>(key, start, sequence, fired, codec.decode(aggregate)));
            }
        }
    }

    /** One key's aggregate in one window. */
    private static final class Slot<A> {
        A aggregate;
        boolean fired;

        /**
         * The order in which the partition's windows were opened: windows that fire at the same watermark fire in
         * this order, also after a restore.
         */
        final long sequence;

        Slot(A aggregate, long sequence) {
            this.aggregate = aggregate;
            this.sequence = sequence;
        }
    }

    private static final class Partition<K, A> implements PartitionSlots.Slot {
        final SourcePartition id;
        final StateLease lease;
        final Map<K, NavigableMap<Long, Slot<A>>> windows = new HashMap<>();
        final NavigableMap<Long, Set<K>> pendingFire = new TreeMap<>();
        final NavigableMap<Long, Set<K>> pendingPurge = new TreeMap<>();
        final Set<K> changed = new HashSet<>();
        final List<String> dropped = new ArrayList<>();
        long watermark = Long.MIN_VALUE;
        boolean watermarkChanged;
        long nextSequence;

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
            return put(key, start, aggregate, end, lateness, nextSequence);
        }

        Slot<A> put(K key, long start, A aggregate, long end, long lateness, long sequence) {
            NavigableMap<Long, Slot<A>> slots = windows.computeIfAbsent(key, k -> new TreeMap<>());
            Slot<A> slot = slots.get(start);
            if (slot == null) {
                slot = new Slot<>(aggregate, sequence);
                nextSequence = Math.max(nextSequence, sequence + 1);
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
