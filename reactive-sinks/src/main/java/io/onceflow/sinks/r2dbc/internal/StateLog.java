package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * How a PostgreSQL commit point writes keyed state: each checkpoint appends one row per partition to the state log (its
 * changes in one value, {@link StateLogBlock}), and every few checkpoints a partition's log is folded into the state
 * table (one row per key) and emptied, in that checkpoint's transaction.
 *
 * <p>Why: a checkpoint that changes every key of a 10,000-key job upserted 10,000 rows of the state table, the largest
 * part of the commit after the user's rows (an index lookup and a heap update per key); one log row per partition
 * costs a few milliseconds. A fold writes each key changed since the last fold once, however many checkpoints
 * changed it. The recovered state is the state table's rows with the log's changes applied in commit order: what a
 * commit wrote, never more.
 *
 * <p>Every write is in the checkpoint's fenced transaction, so the log of a partition has one writer at a time, as the
 * state table has. What the log of each partition holds since its last fold is also kept here, one value per key,
 * so that a fold writes it without reading the log back; it is seeded from the database when the partition is claimed
 * ({@link #restored}), updated only after a commit succeeded ({@link #committed}), and after a commit failed it is
 * not trusted any more (a commit whose outcome is unknown may have written its row): every later plan fails, and the
 * run restarts and reads it again.
 *
 * <p>Partitions fold at different checkpoints (a partition's first fold comes after a number of checkpoints taken
 * from its name), so that one checkpoint does not fold them all. Plans and claims come from different threads:
 * thread-safe.
 */
final class StateLog {

    /**
     * A key longer than this many bytes of UTF-8 is never folded into the state table: its primary key's btree
     * entry, with the pipeline, source and operator, must stay under PostgreSQL's 2,704 bytes.
     */
    static final int MAX_TABLE_KEY_BYTES = 2_000;

    /** Checkpoints between two folds of a partition. */
    static final int FOLD_EVERY = 8;

    /** A partition whose log would hold more distinct keys than this folds at once, bounding its log. */
    static final int MAX_LOGGED_KEYS = 50_000;

    /**
     * A partition folds at once when the logs of all partitions would hold more distinct keys than this: what is kept
     * here for the folds (a key and its encoded value each) stays within some tens of megabytes.
     */
    static final int MAX_LOGGED_KEYS_IN_ALL = 200_000;

    /**
     * A partition folds at once when the logs of all partitions would hold more than this many bytes of keys and
     * values: what is kept here for the folds stays bounded whatever the size of a key's state, and so does a log row
     * (one value of one statement, which PostgreSQL takes up to 1 GB and the client builds whole), since one
     * checkpoint's changes of a partition over it fold at once, into the state table, in statements bounded by size.
     */
    static final long MAX_LOGGED_BYTES = 64L << 20;

    private final Map<SourcePartition, Logged> partitions = new HashMap<>();
    private boolean outOfStep;

    /** An operator's key. */
    private record EntryKey(String operator, String key) {}

    /** A partition's log since its last fold: the last value of each key (null when removed), and its row count. */
    private static final class Logged {
        final long epoch;
        final Map<EntryKey, byte @Nullable []> entries = new LinkedHashMap<>();
        /** The bytes of {@link #entries}, as {@link #bytes(EntryKey, byte[])} counts them, or a little more. */
        long bytes;

        int rowsSinceFold;
        /** Whether a committed checkpoint had the partition's position: once it has not, the run gave it up. */
        boolean committedPosition;

        Logged(long epoch, int rowsSinceFold) {
            this.epoch = epoch;
            this.rowsSinceFold = rowsSinceFold;
        }

        void put(EntryKey key, byte @Nullable [] value) {
            byte[] replaced = entries.put(key, value);
            // a key whose last value was a removal counts its key twice until the next fold: an overestimate, which
            // only brings a fold sooner
            bytes += (value == null ? 0 : value.length) + (replaced == null ? bytes(key, null) : -replaced.length);
        }

        void putAll(Map<EntryKey, byte @Nullable []> changes) {
            changes.forEach(this::put);
        }

        void clear() {
            entries.clear();
            bytes = 0;
        }
    }

    /** One log row to append: a partition's changes of one checkpoint. */
    record Row(SourcePartition partition, long epoch, byte[] entries) {}

    /**
     * What one checkpoint writes: rows appended to the log; partitions folded (their log emptied), with the entries to
     * upsert into and delete from the state table.
     */
    static final class Plan {
        final List<Row> appended = new ArrayList<>();
        final List<SourcePartition> folded = new ArrayList<>();
        final List<StateChange> upserts = new ArrayList<>();
        final List<StateChange> deletes = new ArrayList<>();
        /** Rows a folded partition's log starts again with, written once it is emptied: its keys the table refuses. */
        final List<Row> carried = new ArrayList<>();

        private final Map<SourcePartition, Map<EntryKey, byte @Nullable []>> appendedEntries = new HashMap<>();
        private final Map<SourcePartition, Map<EntryKey, byte @Nullable []>> carriedEntries = new HashMap<>();
        private Set<SourcePartition> positions = Set.of();

        boolean isEmpty() {
            return appended.isEmpty() && folded.isEmpty();
        }
    }

    /**
     * Takes over a partition just claimed at {@code epoch}: forgets what this run knew of it, and returns its state,
     * the state table's {@code base} entries with the log's changes applied.
     *
     * @param base the partition's rows of the state table
     * @param log the blocks of its log, in commit order
     */
    synchronized List<StateChange> restored(
            SourcePartition partition, long epoch, List<StateChange> base, List<byte[]> log) {
        Logged logged = new Logged(epoch, log.isEmpty() ? firstFoldOffset(partition) : log.size());
        for (byte[] block : log) {
            for (StateLogBlock.Entry entry : StateLogBlock.decode(block, partition)) {
                logged.put(new EntryKey(entry.operator(), entry.key()), entry.value()); // the last wins
            }
        }
        partitions.put(partition, logged);
        List<StateChange> state = new ArrayList<>(base.size() + logged.entries.size());
        for (StateChange entry : base) {
            if (!logged.entries.containsKey(new EntryKey(entry.operator(), entry.key()))) {
                state.add(entry);
            }
        }
        logged.entries.forEach((key, value) -> {
            if (value != null) {
                state.add(new StateChange(key.operator(), partition, key.key(), value));
            }
        });
        return state;
    }

    /**
     * What checkpoint's {@code changes} write, given the epochs its partitions were sealed under; nothing changes
     * here until {@link #committed}.
     *
     * @throws IllegalStateException after a failed commit, or for a partition this run has not claimed at that epoch
     */
    synchronized Plan plan(List<StateChange> changes, Map<SourcePartition, Long> epochs) {
        if (outOfStep) {
            throw new IllegalStateException("a commit of this run failed, and what the state log holds is not known:"
                    + " the run restarts and reads it again");
        }
        Map<SourcePartition, Map<EntryKey, byte @Nullable []>> byPartition = new LinkedHashMap<>();
        for (StateChange change : changes) {
            byPartition
                    .computeIfAbsent(change.partition(), p -> new LinkedHashMap<>())
                    .put(new EntryKey(change.operator(), change.key()), change.value()); // the last wins
        }
        Plan plan = new Plan();
        plan.positions = Set.copyOf(epochs.keySet());
        int[] loggedAfter = {loggedKeys()};
        long[] loggedBytesAfter = {loggedBytes()};
        byPartition.forEach((partition, entries) -> {
            Logged logged = partitions.get(partition);
            Long epoch = epochs.get(partition);
            if (logged == null || epoch == null || logged.epoch != epoch) {
                throw new IllegalStateException("state changes of " + partition + " at epoch " + epoch
                        + ", which this run has not claimed and restored (restored at "
                        + (logged == null ? "none" : logged.epoch) + ")");
            }
            long bytes = bytes(entries);
            if (logged.rowsSinceFold + 1 >= FOLD_EVERY
                    || logged.entries.size() + entries.size() > MAX_LOGGED_KEYS
                    || loggedAfter[0] + entries.size() > MAX_LOGGED_KEYS_IN_ALL
                    || loggedBytesAfter[0] + bytes > MAX_LOGGED_BYTES) {
                fold(plan, partition, epoch, logged, entries);
                loggedAfter[0] -= logged.entries.size();
                loggedBytesAfter[0] -= logged.bytes;
            } else {
                loggedAfter[0] += entries.size();
                loggedBytesAfter[0] += bytes;
                plan.appended.add(new Row(partition, epoch, StateLogBlock.encode(blockEntries(entries))));
                plan.appendedEntries.put(partition, entries);
            }
        });
        return plan;
    }

    /**
     * After {@code plan}'s transaction committed. A partition that had a position in an earlier committed checkpoint
     * and has none in this one was given up by the run at its final marker: what is kept of its log is dropped.
     */
    synchronized void committed(Plan plan) {
        partitions.entrySet().removeIf(owned -> {
            Logged logged = owned.getValue();
            if (plan.positions.contains(owned.getKey())) {
                logged.committedPosition = true;
                return false;
            }
            return logged.committedPosition;
        });
        for (SourcePartition partition : plan.folded) {
            Logged logged = partitions.get(partition);
            if (logged != null) {
                logged.clear();
                logged.rowsSinceFold = 0;
                Map<EntryKey, byte @Nullable []> carried = plan.carriedEntries.get(partition);
                if (carried != null) {
                    logged.putAll(carried);
                    logged.rowsSinceFold = 1;
                }
            }
        }
        plan.appendedEntries.forEach((partition, entries) -> {
            Logged logged = partitions.get(partition);
            if (logged != null) {
                logged.putAll(entries);
                logged.rowsSinceFold++;
            }
        });
    }

    /** The distinct keys the logs of all partitions hold, as kept here. */
    synchronized int loggedKeys() {
        int keys = 0;
        for (Logged logged : partitions.values()) {
            keys += logged.entries.size();
        }
        return keys;
    }

    /** The bytes the logs of all partitions hold, as kept here. */
    synchronized long loggedBytes() {
        long bytes = 0;
        for (Logged logged : partitions.values()) {
            bytes += logged.bytes;
        }
        return bytes;
    }

    /** What an entry takes, kept here and in a log row: its key's characters, its value's bytes and some overhead. */
    private static long bytes(EntryKey key, byte @Nullable [] value) {
        return 16L + key.operator().length() + key.key().length() + (value == null ? 0 : value.length);
    }

    private static long bytes(Map<EntryKey, byte @Nullable []> entries) {
        long bytes = 0;
        for (Map.Entry<EntryKey, byte @Nullable []> entry : entries.entrySet()) {
            bytes += bytes(entry.getKey(), entry.getValue());
        }
        return bytes;
    }

    /** After a commit failed, or ended without an outcome: no later plan is made on what is known here. */
    synchronized void failed() {
        outOfStep = true;
    }

    /** The partitions whose log is kept here. */
    synchronized Set<SourcePartition> partitions() {
        return new HashSet<>(partitions.keySet());
    }

    /**
     * Folds a partition's log with this checkpoint's {@code entries} into the state table. An entry whose key the
     * table cannot hold ({@link #tableHolds}) stays in the log instead: the emptied log starts again with a row of
     * such entries, so that a restore finds them where it finds every change not yet folded.
     */
    private static void fold(
            Plan plan, SourcePartition partition, long epoch, Logged logged, Map<EntryKey, byte @Nullable []> entries) {
        Map<EntryKey, byte @Nullable []> merged = new LinkedHashMap<>(logged.entries);
        merged.putAll(entries);
        plan.folded.add(partition);
        Map<EntryKey, byte @Nullable []> carried = new LinkedHashMap<>();
        merged.forEach((key, value) -> {
            StateChange change = new StateChange(key.operator(), partition, key.key(), value);
            if (value == null) {
                // a key with U+0000 was never in the table; a long one may be, from a version that put it there
                if (key.key().indexOf('\u0000') < 0) {
                    plan.deletes.add(change);
                }
            } else if (tableHolds(key.key())) {
                plan.upserts.add(change);
            } else {
                carried.put(key, value);
            }
        });
        if (!carried.isEmpty()) {
            plan.carried.add(new Row(partition, epoch, StateLogBlock.encode(blockEntries(carried))));
            plan.carriedEntries.put(partition, carried);
        }
    }

    /**
     * Whether the state table can keep {@code key}: PostgreSQL text holds no U+0000, and the primary key's btree
     * entry has a size limit ({@link #MAX_TABLE_KEY_BYTES}). Keys it cannot keep live in the log, whose value is
     * bytes.
     */
    static boolean tableHolds(String key) {
        if (key.indexOf('\u0000') >= 0) {
            return false;
        }
        // a char is at most 3 bytes of UTF-8: most keys are decided without encoding them
        return key.length() * 3 <= MAX_TABLE_KEY_BYTES
                || key.getBytes(StandardCharsets.UTF_8).length <= MAX_TABLE_KEY_BYTES;
    }

    private static List<StateLogBlock.Entry> blockEntries(Map<EntryKey, byte @Nullable []> entries) {
        List<StateLogBlock.Entry> block = new ArrayList<>(entries.size());
        entries.forEach((key, value) -> block.add(new StateLogBlock.Entry(key.operator(), key.key(), value)));
        return block;
    }

    /** Spreads partitions' folds over checkpoints: a partition with an empty log starts this far into its cycle. */
    private static int firstFoldOffset(SourcePartition partition) {
        return Math.floorMod(partition.hashCode(), FOLD_EVERY);
    }
}
