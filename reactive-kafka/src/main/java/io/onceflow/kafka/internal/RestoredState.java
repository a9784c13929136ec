package io.onceflow.kafka.internal;

import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link Changelog} restore has read so far: the last value of each state entry of the claimed partitions,
 * and the newest checkpoint record of each. A changelog not yet compacted holds many values of each entry, so entries
 * are found by their key's bytes, and a key is decoded once, when its entry is first seen; records of partitions
 * that share the changelog partition without being claimed are skipped by their bytes too.
 *
 * <p>A {@link Changelog#STATE_LOG} record applies its entries in order, as per-key records at its offset would; the
 * log records not deleted yet (no tombstone read after them) are what the claimer's {@link StateLog} must fold later,
 * and {@link #unfolded} says what they hold. Not thread-safe: one restore's thread.
 */
final class RestoredState {

    private final List<byte[]> scopes;
    private final Map<RawKey, Entry> entries = new HashMap<>();
    private final Map<SourcePartition, Long> reached = new HashMap<>();
    private final Map<RawKey, LiveLog> liveLogs = new LinkedHashMap<>();

    /** Entries a state log removed, by key: a fold must write their tombstones. */
    private final Map<RawKey, ChangelogKeys.Key> removed = new HashMap<>();

    private final ChangelogKeys.Decoder decoder = new ChangelogKeys.Decoder();

    RestoredState(Collection<SourcePartition> claimed) {
        this.scopes = claimed.stream().map(ChangelogKeys::scope).toList();
    }

    /** One changelog record, in offset order. */
    void add(byte @Nullable [] key, byte @Nullable [] value) {
        if (key == null || !ChangelogKeys.isOf(key, scopes)) {
            return; // not a changelog key, or the state of a partition not claimed
        }
        if (ChangelogKeys.isCheckpointKey(key)) {
            ChangelogKeys.Key decoded = ChangelogKeys.decode(key);
            if (decoded != null && value != null && value.length == Long.BYTES) {
                reached.merge(decoded.partition(), ByteBuffer.wrap(value).getLong(), Math::max);
            }
            return;
        }
        if (ChangelogKeys.isStateLogKey(key)) {
            addLog(key, value);
            return;
        }
        RawKey raw = new RawKey(key);
        if (value == null) {
            entries.remove(raw); // a tombstone: the entry was removed
            return;
        }
        Entry entry = entries.get(raw);
        if (entry != null) {
            entry.value = value;
            entry.fromLog = null;
            return;
        }
        ChangelogKeys.Key decoded = decoder.decode(key);
        if (decoded != null) {
            entries.put(raw, new Entry(decoded, value));
        }
    }

    /**
     * A state log record: its entries apply in order. Its tombstone says a fold wrote them per key before it: an entry
     * whose value still comes from the deleted record goes, as it will once compaction removes the record, so that a
     * restore reads the same state however far compaction has got (and a fold that left an entry out loses it at
     * once, where a test sees it, not some day after compaction).
     *
     * @throws IllegalArgumentException when its value is not one this version can read
     */
    private void addLog(byte[] key, byte @Nullable [] value) {
        RawKey logKey = new RawKey(key);
        if (value == null) {
            LiveLog deleted = liveLogs.remove(logKey);
            if (deleted != null) {
                for (RawKey raw : deleted.touched) {
                    Entry entry = entries.get(raw);
                    if (entry != null && entry.fromLog == deleted) {
                        entries.remove(raw);
                    }
                }
            }
            return;
        }
        ChangelogKeys.Key log = ChangelogKeys.decode(key);
        if (log == null) {
            return;
        }
        SourcePartition partition = log.partition();
        List<StateLogValue.Entry> logged = StateLogValue.decode(value);
        List<RawKey> touched = new ArrayList<>(logged.size());
        LiveLog live = new LiveLog(partition, key, value.length, touched);
        Map<String, byte[]> prefixes = new HashMap<>();
        for (StateLogValue.Entry change : logged) {
            byte[] prefix =
                    prefixes.computeIfAbsent(change.operator(), operator -> ChangelogKeys.prefix(operator, partition));
            RawKey raw = new RawKey(ChangelogKeys.encode(prefix, change.key()));
            touched.add(raw);
            if (change.value() == null) {
                entries.remove(raw);
                removed.put(raw, new ChangelogKeys.Key(change.operator(), partition, change.key()));
                continue;
            }
            Entry entry = entries.get(raw);
            if (entry == null) {
                removed.remove(raw);
                entry = new Entry(new ChangelogKeys.Key(change.operator(), partition, change.key()), change.value());
                entries.put(raw, entry);
            }
            entry.value = change.value();
            entry.fromLog = live;
        }
        liveLogs.put(logKey, live);
    }

    /**
     * For each claimed partition with live state log records: their keys and sizes, and the latest value of every
     * entry they touched (none for an entry since removed), which its next fold writes per key.
     */
    Map<SourcePartition, StateLog.Unfolded> unfolded() {
        Map<SourcePartition, StateLog.Unfolded> unfolded = new HashMap<>();
        for (LiveLog log : liveLogs.values()) {
            StateLog.Unfolded of = unfolded.computeIfAbsent(log.partition, p -> new StateLog.Unfolded());
            of.log(log.key, log.bytes);
            for (RawKey raw : log.touched) {
                Entry entry = entries.get(raw);
                if (entry != null) {
                    of.put(entry.key.operator(), entry.key.key(), entry.value);
                } else {
                    ChangelogKeys.Key gone = removed.get(raw);
                    if (gone != null) {
                        of.put(gone.operator(), gone.key(), null);
                    }
                }
            }
        }
        return unfolded;
    }

    /** For each claimed partition with a checkpoint record, the newest checkpoint it names. */
    Map<SourcePartition, Long> reached() {
        return reached;
    }

    int entries() {
        return entries.size();
    }

    List<StateChange> changes() {
        List<StateChange> changes = new ArrayList<>(entries.size());
        entries.values()
                .forEach(entry -> changes.add(
                        new StateChange(entry.key.operator(), entry.key.partition(), entry.key.key(), entry.value)));
        return changes;
    }

    /**
     * A state log record read and not deleted since: its partition, key, size, and the entries it touched. Compared
     * by identity: an entry's value comes from this record, not from an equal one.
     */
    private static final class LiveLog {
        final SourcePartition partition;
        final byte[] key;
        final int bytes;
        final List<RawKey> touched;

        LiveLog(SourcePartition partition, byte[] key, int bytes, List<RawKey> touched) {
            this.partition = partition;
            this.key = key;
            this.bytes = bytes;
            this.touched = touched;
        }
    }

    private static final class Entry {
        final ChangelogKeys.Key key;
        byte[] value;

        /** The live log record the value comes from; {@code null} when from a per-key record. */
        @Nullable
        LiveLog fromLog;

        Entry(ChangelogKeys.Key key, byte[] value) {
            this.key = key;
            this.value = value;
        }
    }

    /** A changelog record's key as bytes, compared by content. */
    private static final class RawKey {
        private final byte[] bytes;
        private final int hash;

        RawKey(byte[] bytes) {
            this.bytes = bytes;
            this.hash = Arrays.hashCode(bytes);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof RawKey raw && raw.hash == hash && Arrays.equals(raw.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
