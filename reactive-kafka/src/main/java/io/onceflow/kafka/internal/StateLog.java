package io.onceflow.kafka.internal;

import io.onceflow.core.Marker;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
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
 * group's fencing. A partition is due when its live log holds {@value #FOLD_AMORTIZED} times the bytes the fold
 * writes (a key's value is written per key once for that many in the log), when the fold would write
 * {@link #FOLD_AT_BYTES}, or when it has {@value #FOLD_AT_RECORDS} live log records; one due partition folds per
 * checkpoint, the one with the most log bytes, so that folds spread over checkpoints.
 *
 * <p>What the log holds is kept in memory, per partition, until its fold: the latest value of each entry (the same
 * values the keyed operators hold, encoded). When the partitions a checkpoint changes hold more than
 * {@link #HELD_AT_MOST} together, it folds as many more of them as it takes to come back under it. A partition
 * revoked is forgotten once the checkpoint that closed it committed ({@link #released}): its next owner folds its log
 * from what its restore finds, and so does this writer if it claims the partition again. Claimed partitions start
 * from what their restore found live. {@link #claimed} runs on the recovery thread, {@link #released} on the source's
 * poll thread, the rest on the producer thread, in commit order.
 */
final class StateLog {

    /** A partition folds when its live log records hold this many times the bytes the fold would write. */
    static final int FOLD_AMORTIZED = 8;

    /** A partition is due when the fold would write this many bytes. */
    static final long FOLD_AT_BYTES = 1L << 20;

    /** What the writer keeps in memory of all partitions' logs, at most, before a checkpoint folds more than one. */
    static final long HELD_AT_MOST = 32L << 20;

    /** A partition folds when it has this many live log records: the bound of a fold's tombstones. */
    static final int FOLD_AT_RECORDS = 256;

    /** Bytes counted for an entry besides its key and value, as held in memory. */
    private static final int ENTRY_OVERHEAD = 64;

    private final String runId = Long.toHexString(ThreadLocalRandom.current().nextLong());
    private final Map<SourcePartition, Unfolded> partitions = new ConcurrentHashMap<>();

    /** What the live log records of a partition hold: their keys, their bytes, and the latest value of each entry. */
    static final class Unfolded {
        /** The value of an entry that was removed: a fold writes its tombstone. Compared by identity. */
        private static final byte[] REMOVED = new byte[0];

        final List<byte[]> logKeys = new ArrayList<>();
        long logBytes;

        /** By operator, by state key: the latest value, or {@link #REMOVED}. */
        private final Map<String, Map<String, byte[]>> entries = new HashMap<>();

        private int entryCount;
        private long entryBytes;

        void log(byte[] key, long bytes) {
            logKeys.add(key);
            logBytes += bytes;
        }

        void put(String operator, String key, byte @Nullable [] value) {
            put(entries.computeIfAbsent(operator, of -> new HashMap<>()), operator, key, value);
        }

        /** One lookup per change: this runs for every change a checkpoint commits. */
        private void put(Map<String, byte[]> ofOperator, String operator, String key, byte @Nullable [] value) {
            byte[] stored = value == null ? REMOVED : value;
            byte[] before = ofOperator.put(key, stored);
            if (before == null) {
                entryCount++;
                entryBytes += ENTRY_OVERHEAD + operator.length() + key.length();
            } else {
                entryBytes -= before.length;
            }
            entryBytes += stored.length;
        }

        int entryCount() {
            return entryCount;
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

    /**
     * On the poll thread, in a revocation: {@code released} were given up after the checkpoint that closed them
     * committed, so no checkpoint changes them again before a claim replaces what is kept of them. Without this, a
     * writer kept what it last knew of every partition it ever owned, up to about {@link #FOLD_AT_BYTES} each.
     */
    void released(Collection<SourcePartition> released) {
        released.forEach(partitions::remove);
    }

    /** What one checkpoint wrote, for {@link #committed}: its fold, its log records, and the changes in them. */
    static final class Written {
        final List<SourcePartition> folded = new ArrayList<>();
        int foldedEntries;
        final Map<SourcePartition, Unfolded> logged = new LinkedHashMap<>();
        final List<StateChange> changes;
        final byte @Nullable [][] values;

        Written(List<StateChange> changes) {
            this.changes = changes;
            this.values = new byte[changes.size()][];
        }

        /** Nothing written: a marker without state changes. */
        static Written nothing() {
            return new Written(List.of());
        }

        int logRecords() {
            int records = 0;
            for (Unfolded log : logged.values()) {
                records += log.logKeys.size();
            }
            return records;
        }
    }

    /**
     * Sends the marker's state into the changelog {@code topic}: the folds that are due ({@link #toFold}), then for
     * each partition its changes as log records. A record goes as soon as it is full, so the
     * producer sends it while the rest is encoded; what is remembered of the changes waits for {@link #committed}.
     */
    Written send(CheckpointRecords.Sender sender, Marker<?> marker, String topic) {
        List<StateChange> changes = marker.stateChanges();
        Written written = new Written(changes);
        for (SourcePartition fold : toFold(CheckpointRecords.statePartitions(marker))) {
            Unfolded folding = partitions.get(fold);
            written.folded.add(fold);
            written.foldedEntries += folding.entryCount();
            sendFold(sender, fold, folding, topic);
        }
        Map<SourcePartition, StateLogValue.Builder> logs = new HashMap<>();
        SourcePartition partition = null;
        StateLogValue.Builder log = null;
        for (int i = 0; i < changes.size(); i++) {
            StateChange change = changes.get(i);
            if (!change.partition().equals(partition)) {
                partition = change.partition();
                log = logs.computeIfAbsent(partition, of -> logBuilder(sender, marker, topic, of, written));
            }
            byte[] value = change.value();
            written.values[i] = value;
            log.add(change.operator(), change.key(), value);
        }
        logs.values().forEach(StateLogValue.Builder::finish);
        return written;
    }

    /**
     * The partitions this checkpoint folds, of those whose state it changes: the due one with the most log bytes,
     * then, while what is kept of those partitions is over {@link #HELD_AT_MOST}, the largest others.
     */
    private List<SourcePartition> toFold(Set<SourcePartition> changed) {
        List<SourcePartition> candidates = new ArrayList<>();
        for (SourcePartition partition : changed) {
            if (partitions.containsKey(partition)) {
                candidates.add(partition);
            }
        }
        candidates.sort(Comparator.comparingLong((SourcePartition p) -> partitions.get(p).logBytes)
                .reversed());
        // the partitions this checkpoint changes only: one revoked since keeps what it held (a fold cannot come from
        // here any more), and counting it would fold every partition at every checkpoint
        long held = 0;
        for (SourcePartition candidate : candidates) {
            held += partitions.get(candidate).entryBytes;
        }
        List<SourcePartition> folds = new ArrayList<>();
        for (SourcePartition candidate : candidates) {
            Unfolded unfolded = partitions.get(candidate);
            if ((folds.isEmpty() && unfolded.due()) || held > HELD_AT_MOST) {
                folds.add(candidate);
                held -= unfolded.entryBytes;
            }
        }
        return folds;
    }

    /** The log of {@code partition} in this checkpoint: each record is sent, and counted, as soon as it is full. */
    private StateLogValue.Builder logBuilder(
            CheckpointRecords.Sender sender,
            Marker<?> marker,
            String topic,
            SourcePartition partition,
            Written written) {
        Unfolded logged = new Unfolded();
        written.logged.put(partition, logged);
        return new StateLogValue.Builder(value -> {
            byte[] key = ChangelogKeys.encode(
                    Changelog.STATE_LOG, partition, runId + "-" + marker.checkpointId() + "-" + logged.logKeys.size());
            sender.send(new ProducerRecord<>(topic, partition.partition(), key, value));
            logged.log(key, value.length);
        });
    }

    private static void sendFold(
            CheckpointRecords.Sender sender, SourcePartition partition, Unfolded unfolded, String topic) {
        unfolded.entries.forEach((operator, values) -> {
            byte[] prefix = ChangelogKeys.prefix(operator, partition);
            values.forEach((key, value) -> {
                // a removed entry's tombstone removes its older per-key record, if a fold wrote one
                sender.send(new ProducerRecord<>(
                        topic,
                        partition.partition(),
                        ChangelogKeys.encode(prefix, key),
                        value == Unfolded.REMOVED ? null : value));
            });
        });
        for (byte[] logKey : unfolded.logKeys) {
            sender.send(new ProducerRecord<>(topic, partition.partition(), logKey, null));
        }
    }

    /** On the producer thread, once the transaction that sent {@code written} committed. */
    void committed(Written written) {
        for (SourcePartition folded : written.folded) {
            partitions.put(folded, new Unfolded());
        }
        written.logged.forEach((partition, logged) -> {
            Unfolded unfolded = partitions.computeIfAbsent(partition, p -> new Unfolded());
            unfolded.logKeys.addAll(logged.logKeys);
            unfolded.logBytes += logged.logBytes;
        });
        Unfolded unfolded = null;
        Map<String, byte[]> ofOperator = null;
        StateChange previous = null;
        for (int i = 0; i < written.changes.size(); i++) {
            StateChange change = written.changes.get(i);
            if (previous == null
                    || !change.partition().equals(previous.partition())
                    || !change.operator().equals(previous.operator())) {
                unfolded = partitions.get(change.partition());
                ofOperator = unfolded.entries.computeIfAbsent(change.operator(), of -> new HashMap<>());
            }
            unfolded.put(ofOperator, change.operator(), change.key(), written.values[i]);
            previous = change;
        }
    }

    /** For tests and logs: what the live log of {@code partition} holds, as far as this writer knows. */
    @Nullable
    Unfolded unfolded(SourcePartition partition) {
        return partitions.get(partition);
    }
}
