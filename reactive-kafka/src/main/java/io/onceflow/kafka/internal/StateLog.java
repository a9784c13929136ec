package io.onceflow.kafka.internal;

import io.onceflow.core.Marker;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jspecify.annotations.Nullable;

/**
 * How the transactional sink writes keyed state to the changelog: a checkpoint's changes of each source partition go
 * as a few {@link Changelog#STATE_LOG} records (hundreds of entries each) rather than one record per key, and now and
 * then a transaction <em>folds</em> one partition's log: it writes the latest value of every entry the partition's
 * live log records hold, one record per key as compaction needs, then deletes those log records (tombstones), before
 * the checkpoint's own log. A restore applies both kinds in offset order ({@link RestoredState}).
 *
 * <p>Why: the marker's state is most of a Kafka commit (on the ledger job, 8,000 to 10,000 changed accounts every
 * checkpoint), and a few large records cost the producer, the broker and the commit's flush far less than thousands
 * of small ones. A key that changes in every checkpoint is written per key once a fold, not once a checkpoint.
 *
 * <p>A log record's key is unique (this writer's random run id, the checkpoint, the record's number), so compaction
 * never removes it for a newer one: only its tombstone does, in the transaction that wrote its entries per key. A
 * fold happens only in a transaction that changes the partition's state anyway, which commits its offsets under the
 * group's fencing, and at most one partition folds per checkpoint, so that a fold's records spread over checkpoints.
 * A partition folds when its live log holds {@value #FOLD_AMORTIZED} times the bytes the fold writes (a key's value
 * is written per key once for that many in the log), when the fold would write {@link #FOLD_AT_BYTES}, or when it has
 * {@value #FOLD_AT_RECORDS} live log records.
 *
 * <p>What the log holds is kept in memory, per partition, until its fold: at most the fold's bytes, the latest value
 * of each entry (the same values the keyed operators hold, encoded). Claimed partitions start from what their restore
 * found live. {@link #claimed} runs on the recovery thread, the rest on the producer thread, in commit order.
 */
final class StateLog {

    /** A partition folds when its live log records hold this many times the bytes the fold would write. */
    static final int FOLD_AMORTIZED = 8;

    /** A partition folds when the fold would write this many bytes: the bound of what is kept in memory for it. */
    static final long FOLD_AT_BYTES = 4L << 20;

    /** A partition folds when it has this many live log records: the bound of a fold's tombstones. */
    static final int FOLD_AT_RECORDS = 256;

    /** Bytes counted for an entry besides its key and value, as held in memory. */
    private static final int ENTRY_OVERHEAD = 64;

    private final String runId = Long.toHexString(ThreadLocalRandom.current().nextLong());
    private final Map<SourcePartition, Unfolded> partitions = new ConcurrentHashMap<>();

    /** An entry of a partition's log: its operator and state key. */
    record EntryKey(String operator, String key) {}

    /** What the live log records of a partition hold: their keys, their bytes, and the latest value of each entry. */
    static final class Unfolded {
        final List<byte[]> logKeys = new ArrayList<>();
        long logBytes;
        final Map<EntryKey, byte @Nullable []> entries = new HashMap<>();
        long entryBytes;

        void log(byte[] key, long bytes) {
            logKeys.add(key);
            logBytes += bytes;
        }

        void put(EntryKey key, byte @Nullable [] value) {
            if (!entries.containsKey(key)) {
                entryBytes +=
                        ENTRY_OVERHEAD + key.operator().length() + key.key().length();
            }
            byte[] before = entries.put(key, value);
            entryBytes += (value == null ? 0 : value.length) - (before == null ? 0 : before.length);
        }

        boolean due() {
            return logBytes >= FOLD_AMORTIZED * Math.max(1, entryBytes)
                    || entryBytes >= FOLD_AT_BYTES
                    || logKeys.size() >= FOLD_AT_RECORDS;
        }
    }

    /** On the recovery thread: {@code partition} was claimed, and its restore found these live log records. */
    void claimed(SourcePartition partition, Unfolded restored) {
        partitions.put(partition, restored);
    }

    /** What one checkpoint wrote, for {@link #committed}. */
    static final class Written {
        static final Written NOTHING = new Written(null);

        final @Nullable SourcePartition folded;
        final Map<SourcePartition, Unfolded> logged = new LinkedHashMap<>();

        Written(@Nullable SourcePartition folded) {
            this.folded = folded;
        }
    }

    /**
     * Sends the marker's state: the fold of at most one partition whose state it changes, then for each partition
     * its changes as log records, into the changelog {@code topic}.
     */
    Written send(CheckpointRecords.Sender sender, Marker<?> marker, String topic) {
        Set<SourcePartition> changed = CheckpointRecords.statePartitions(marker);
        SourcePartition fold = null;
        long largest = -1;
        for (SourcePartition partition : changed) {
            Unfolded unfolded = partitions.get(partition);
            if (unfolded != null && unfolded.due() && unfolded.logBytes > largest) {
                fold = partition;
                largest = unfolded.logBytes;
            }
        }
        Written written = new Written(fold);
        if (fold != null) {
            sendFold(sender, fold, partitions.get(fold), topic);
        }
        Map<SourcePartition, StateLogValue.Builder> logs = new LinkedHashMap<>();
        for (StateChange change : marker.stateChanges()) {
            byte[] value = change.value();
            logs.computeIfAbsent(change.partition(), p -> new StateLogValue.Builder())
                    .add(change.operator(), change.key(), value);
            written.logged
                    .computeIfAbsent(change.partition(), p -> new Unfolded())
                    .put(new EntryKey(change.operator(), change.key()), value);
        }
        logs.forEach((partition, log) -> {
            List<byte[]> values = log.values();
            Unfolded unfolded = written.logged.get(partition);
            for (int i = 0; i < values.size(); i++) {
                byte[] key = ChangelogKeys.encode(
                        Changelog.STATE_LOG, partition, runId + "-" + marker.checkpointId() + "-" + i);
                sender.send(new ProducerRecord<>(topic, partition.partition(), key, values.get(i)));
                unfolded.log(key, values.get(i).length);
            }
        });
        return written;
    }

    private static void sendFold(
            CheckpointRecords.Sender sender, SourcePartition partition, Unfolded unfolded, String topic) {
        Map<String, byte[]> prefixes = new HashMap<>();
        unfolded.entries.forEach((entry, value) -> {
            byte[] prefix =
                    prefixes.computeIfAbsent(entry.operator(), operator -> ChangelogKeys.prefix(operator, partition));
            // a removed entry's tombstone removes its older per-key record, if a fold wrote one
            sender.send(new ProducerRecord<>(
                    topic, partition.partition(), ChangelogKeys.encode(prefix, entry.key()), value));
        });
        for (byte[] logKey : unfolded.logKeys) {
            sender.send(new ProducerRecord<>(topic, partition.partition(), logKey, null));
        }
    }

    /** On the producer thread, once the transaction that sent {@code written} committed. */
    void committed(Written written) {
        if (written.folded != null) {
            partitions.put(written.folded, new Unfolded());
        }
        written.logged.forEach((partition, logged) -> {
            Unfolded unfolded = partitions.computeIfAbsent(partition, p -> new Unfolded());
            unfolded.logKeys.addAll(logged.logKeys);
            unfolded.logBytes += logged.logBytes;
            logged.entries.forEach(unfolded::put);
        });
    }

    /** For tests and logs: what the live log of {@code partition} holds, as far as this writer knows. */
    @Nullable
    Unfolded unfolded(SourcePartition partition) {
        return partitions.get(partition);
    }
}
