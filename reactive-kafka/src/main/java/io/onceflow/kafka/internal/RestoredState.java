package io.onceflow.kafka.internal;

import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link Changelog} restore has read so far: the last value of each state entry of the claimed partitions,
 * and the newest checkpoint record of each. A changelog not yet compacted holds many values of each entry, so entries
 * are found by their key's bytes, and a key is decoded once, when its entry is first seen; records of partitions
 * that share the changelog partition without being claimed are skipped by their bytes too. Not thread-safe: one
 * restore's thread.
 */
final class RestoredState {

    private final List<byte[]> scopes;
    private final Map<RawKey, Entry> entries = new HashMap<>();
    private final Map<SourcePartition, Long> reached = new HashMap<>();
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
        RawKey raw = new RawKey(key);
        if (value == null) {
            entries.remove(raw); // a tombstone: the entry was removed
            return;
        }
        Entry entry = entries.get(raw);
        if (entry != null) {
            entry.value = value;
            return;
        }
        ChangelogKeys.Key decoded = decoder.decode(key);
        if (decoded != null) {
            entries.put(raw, new Entry(decoded, value));
        }
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

    private static final class Entry {
        final ChangelogKeys.Key key;
        byte[] value;

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
