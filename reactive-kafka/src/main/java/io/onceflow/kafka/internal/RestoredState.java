package io.onceflow.kafka.internal;

import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
            entries.put(raw, new Entry(raw, decoded, value));
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
                for (Entry entry : deleted.touched) {
                    // after a fold every entry of the record was written again: nothing is looked up
                    if (entry.fromLog == deleted && entries.get(entry.raw) == entry) {
                        entries.remove(entry.raw);
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
        List<Entry> touched = new ArrayList<>();
        LiveLog live = new LiveLog(partition, key, value.length, touched);
        Map<String, byte[]> prefixes = new HashMap<>(4);
        StateLogValue.read(value, (operator, record, keyOffset, keyLength, entryValue) -> {
            byte[] prefix = prefixes.computeIfAbsent(operator, of -> ChangelogKeys.prefix(of, partition));
            byte[] bytes = Arrays.copyOf(prefix, prefix.length + keyLength);
            System.arraycopy(record, keyOffset, bytes, prefix.length, keyLength);
            RawKey raw = new RawKey(bytes);
            Entry entry = entryValue == null ? entries.remove(raw) : entries.get(raw);
            if (entry == null) {
                ChangelogKeys.Key entryKey =
                        new ChangelogKeys.Key(operator, partition, keyString(record, keyOffset, keyLength));
                entry = new Entry(raw, entryKey, entryValue);
                if (entryValue != null) {
                    entries.put(raw, entry);
                }
            }
            // a removed entry stays in the record's list, out of the map: its fold writes the tombstone
            entry.value = entryValue;
            entry.fromLog = live;
            touched.add(entry);
        });
        liveLogs.put(logKey, live);
    }

    private static String keyString(byte[] record, int offset, int length) {
        return new String(record, offset, length, StandardCharsets.UTF_8);
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
            for (Entry touched : log.touched) {
                // what the entry holds now, whatever came after the record: a later value, or its removal
                Entry entry = entries.get(touched.raw);
                of.put(touched.key.operator(), touched.key.key(), entry == null ? null : entry.value);
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
        final List<Entry> touched;

        LiveLog(SourcePartition partition, byte[] key, int bytes, List<Entry> touched) {
            this.partition = partition;
            this.key = key;
            this.bytes = bytes;
            this.touched = touched;
        }
    }

    /** An entry as restored so far; one that a log record removed keeps its object in that record's list. */
    private static final class Entry {
        final RawKey raw;
        final ChangelogKeys.Key key;
        byte @Nullable [] value;

        /** The live log record the value comes from; {@code null} when from a per-key record. */
        @Nullable
        LiveLog fromLog;

        Entry(RawKey raw, ChangelogKeys.Key key, byte @Nullable [] value) {
            this.raw = raw;
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
