package io.onceflow.core.internal.state;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.Deduplicate;
import io.onceflow.core.DuplicateRecordException;
import io.onceflow.core.FutureTimestampException;
import io.onceflow.core.LateRecordException;
import io.onceflow.core.Origin;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import io.onceflow.core.StateCodecException;
import io.onceflow.core.internal.batch.RecordBatch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys one deduplicate operator remembers for one run, per source partition, with each partition's watermark.
 *
 * <p>State entries: one per remembered key ({@code k:<encoded key>}, the text {@code <timestamp>@<offset>} of the
 * key's first record) and one per partition for the watermark ({@code watermark}, its digits), both readable in a
 * state table. Keys are encoded as {@link StateKeys} does for keyed state, and never decoded: a record finds its key's
 * entry by the same encoding. A partition's entries are restored all at once, when its first record arrives (a key is
 * forgotten by time, so every remembered key must be known, not only those seen again). Not thread-safe.
 */
public final class SeenKeys {

    private static final Logger LOG = LoggerFactory.getLogger(SeenKeys.class);
    private static final String WATERMARK = "watermark";
    private static final String KEY_PREFIX = "k:";

    private final String operator;
    private final Duration retention;
    private final long retentionMillis;
    private final EventTime eventTime;
    private final StateRegistry registry;
    private final PartitionSlots<Partition> partitions;
    private final PartitionSlots.Factory<@Nullable Void, Partition> restorer = (id, lease, none) -> restore(id, lease);

    public SeenKeys(String operator, Duration retention, StateRegistry registry) {
        this(operator, retention, Deduplicate.DEFAULT_MAX_TIMESTAMP_AHEAD.toMillis(), registry);
    }

    /** @param maxAheadMillis how far ahead of the processor's clock a record's timestamp may be */
    public SeenKeys(String operator, Duration retention, long maxAheadMillis, StateRegistry registry) {
        this.operator = requireNonNull(operator, "operator");
        this.retention = requireNonNull(retention, "retention");
        this.retentionMillis = retention.toMillis();
        this.eventTime = new EventTime(maxAheadMillis);
        this.registry = requireNonNull(registry, "registry");
        this.partitions = new PartitionSlots<>(operator, registry);
    }

    /**
     * Remembers {@code key} for the record at {@code origin}, and moves its partition's watermark.
     *
     * @throws DuplicateRecordException when the key is remembered already
     * @throws LateRecordException when the record is a retention or more behind its partition's watermark
     * @throws FutureTimestampException when the record is dated too far ahead of the clock; nothing changes then
     */
    public void admit(Origin origin, Object key) {
        admit(origin.source(), origin.partition(), origin.offset(), origin.timestamp(), key);
    }

    /** {@link #admit(Origin, Object)} for the record in slot {@code index} of {@code batch}. */
    public void admit(RecordBatch<?> batch, int index, Object key) {
        admit(batch.source(), batch.partition(), batch.offset(index), batch.timestamp(index), key);
    }

    private void admit(String source, int number, long offset, long timestamp, Object key) {
        if (eventTime.tooFarAhead(timestamp)) {
            throw new FutureTimestampException(
                    "deduplicate operator '" + operator + "'",
                    new Origin(source, number, offset, timestamp),
                    eventTime.clock(),
                    Duration.ofMillis(eventTime.maxAheadMillis()));
        }
        String encoded = StateKeys.encode(key);
        Partition partition = partitions.get(source, number, null, restorer);
        Seen first = partition.seen.get(encoded);
        if (first != null) {
            throw new DuplicateRecordException(
                    operator,
                    encoded,
                    new Origin(source, number, offset, timestamp),
                    new Origin(source, number, first.offset, first.timestamp),
                    retention);
        }
        StateKeys.requireStorable("deduplicate operator '" + operator + "'", encoded);
        if (timestamp <= horizon(partition.watermark)) {
            throw new LateRecordException(
                    operator, new Origin(source, number, offset, timestamp), partition.watermark, retention);
        }
        Seen seen = new Seen(encoded, timestamp, offset);
        partition.seen.put(encoded, seen);
        partition.byTime.add(seen);
        partition.added.add(encoded);
        if (timestamp > partition.watermark) {
            partition.watermark = timestamp;
            partition.watermarkChanged = true;
            expire(partition);
        }
    }

    /** Keys remembered now, over all partitions; restored keys of partitions no record has come from are not counted. */
    public int size() {
        int size = 0;
        for (Partition partition : partitions.live()) {
            size += partition.seen.size();
        }
        return size;
    }

    /**
     * The keys remembered and forgotten since the previous call, and the changed watermarks, as state changes;
     * drops the partitions the run no longer owns.
     */
    public List<StateChange> drainChanges() {
        List<StateChange> changes = new ArrayList<>();
        for (Partition partition : partitions.live()) {
            // removals first: a key forgotten and seen again since the last marker must end up remembered
            for (String forgotten : partition.forgotten) {
                changes.add(new StateChange(operator, partition.id, forgotten, null));
            }
            partition.forgotten.clear();
            if (partition.watermarkChanged) {
                byte[] watermark = Long.toString(partition.watermark).getBytes(StandardCharsets.UTF_8);
                changes.add(new StateChange(operator, partition.id, WATERMARK, watermark));
                partition.watermarkChanged = false;
            }
            for (String key : partition.added) {
                Seen seen = requireNonNull(partition.seen.get(key), "a key added since the marker is remembered");
                byte[] value = (seen.timestamp + "@" + seen.offset).getBytes(StandardCharsets.UTF_8);
                changes.add(new StateChange(operator, partition.id, KEY_PREFIX + key, value));
            }
            partition.added.clear();
        }
        return changes;
    }

    /** Forgets the keys whose first record is a retention or more behind the watermark. */
    private void expire(Partition partition) {
        long horizon = horizon(partition.watermark);
        while (!partition.byTime.isEmpty() && partition.byTime.peek().timestamp <= horizon) {
            Seen old = partition.byTime.poll();
            partition.seen.remove(old.key);
            // a key remembered since the last marker was never committed: nothing to remove from the commit point
            if (!partition.added.remove(old.key)) {
                partition.forgotten.add(KEY_PREFIX + old.key);
            }
        }
    }

    /** The timestamp at and before which records are late: the watermark minus the retention, without overflow. */
    private long horizon(long watermark) {
        if (watermark == Long.MIN_VALUE) {
            return Long.MIN_VALUE;
        }
        long horizon = watermark - retentionMillis;
        return horizon > watermark ? Long.MIN_VALUE : horizon;
    }

    /**
     * The partition's slot with its restored keys. An entry that does not read stops the run, unless the pipeline
     * allows dropping this operator's state: then it is removed with the next checkpoint. Keys the retention forgets
     * now (it was made shorter since they were committed) are removed with the next checkpoint too.
     */
    private Partition restore(SourcePartition id, StateLease lease) {
        Partition partition = new Partition(id, lease);
        for (Map.Entry<String, byte[]> entry : lease.takeRestored(operator).entrySet()) {
            String name = entry.getKey();
            String text = new String(entry.getValue(), StandardCharsets.UTF_8);
            try {
                if (name.equals(WATERMARK)) {
                    partition.watermark = Long.parseLong(text);
                } else if (name.startsWith(KEY_PREFIX)) {
                    int at = text.indexOf('@');
                    String key = name.substring(KEY_PREFIX.length());
                    Seen seen = new Seen(
                            key, Long.parseLong(text.substring(0, at)), Long.parseLong(text.substring(at + 1)));
                    partition.seen.put(key, seen);
                    partition.byTime.add(seen);
                } else {
                    throw new IllegalArgumentException("not an entry of a deduplicate operator");
                }
            } catch (RuntimeException e) {
                if (!registry.dropsUndecodable(operator)) {
                    throw new StateCodecException(
                            "deduplicate operator '" + operator + "': the committed state '" + name + "' in " + id
                                    + " does not read: " + e.getMessage() + ". If it may go (its keys are then"
                                    + " let through once more), allow dropping it:"
                                    + " Onceflow.pipeline(...).allowDroppingState(\"" + operator + "\")",
                            e);
                }
                LOG.warn(
                        "deduplicate operator '{}': dropping committed state '{}' of {} that does not read (allowed)",
                        operator,
                        name,
                        id);
                partition.forgotten.add(name);
            }
        }
        expire(partition);
        return partition;
    }

    /** The first record of a remembered key: its event time and offset. */
    private record Seen(String key, long timestamp, long offset) {}

    private static final class Partition implements PartitionSlots.Slot {
        final SourcePartition id;
        final StateLease lease;
        final Map<String, Seen> seen = new HashMap<>();
        final PriorityQueue<Seen> byTime =
                new PriorityQueue<>(Comparator.comparingLong(Seen::timestamp).thenComparingLong(Seen::offset));
        /** Keys remembered since the last marker, by encoded key. */
        final Set<String> added = new LinkedHashSet<>();
        /** Entries to remove from the commit point with the next marker, by state entry name. */
        final List<String> forgotten = new ArrayList<>();

        long watermark = Long.MIN_VALUE;
        boolean watermarkChanged;

        Partition(SourcePartition id, StateLease lease) {
            this.id = id;
            this.lease = lease;
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
