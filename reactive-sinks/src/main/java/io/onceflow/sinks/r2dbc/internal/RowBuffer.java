package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.core.DeadLetter;
import io.onceflow.core.OnceflowException;
import io.onceflow.core.Origin;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The rows of the checkpoint being written, until its marker seals them.
 *
 * <p>With last-write-wins, a key's newer row (by version: offset, then the row's ordinal within its record) replaces
 * its older one here, so memory holds one row per key;
 * otherwise every row is kept, in order. Records that could not be turned into rows wait here as dead letters, and
 * a mapping error is kept to fail the checkpoint. Rows streamed into the checkpoint's open transaction before its
 * marker ({@link #stream()}) stay here too, until the checkpoint is sealed: a checkpoint whose open transaction fails
 * is written again whole. Used by one thread at a time, the pipeline's data path: it does
 * as little as it can, the values become text on the commit path.
 */
final class RowBuffer {

    private final boolean coalesce;
    // every row, in order, when not coalesced
    private List<Pending> rows = new ArrayList<>();
    private List<Pending> streamedRows = new ArrayList<>();
    // one slot per key when coalesced: a record costs one lookup, where a map of unstreamed rows beside a map of
    // streamed ones cost two (the buffer's lookups were the largest part of the sink's time on the data path)
    private Map<Object, Slot> slots = new HashMap<>();
    private List<Slot> unstreamedSlots = new ArrayList<>();
    private int streamedKeys;
    private List<DeadLetter<?>> rejected = new ArrayList<>();
    private @Nullable OnceflowException failure;
    private int records;

    RowBuffer(boolean coalesce) {
        this.coalesce = coalesce;
    }

    /**
     * A key's newest row streamed into the open transaction, and its newest row since, when coalesced; and the newest
     * row's version, copied here: a record compared with it reads no other object (read through the row, its record
     * and its origin, the comparison cost a cache miss each, for every record).
     */
    private static final class Slot {
        @Nullable
        Pending streamed;

        @Nullable
        Pending unstreamed;

        private String source = "";
        private int partition;
        private long offset;
        private int ordinal;

        /** Whether {@code entry} is a newer write than this key's newest: see {@link Pending#newer}. */
        boolean supersededBy(Pending entry) {
            return Pending.newer(entry.record().origin(), entry.ordinal(), source, partition, offset, ordinal);
        }

        /** Makes {@code entry} this key's newest row, not streamed yet. */
        void take(Pending entry) {
            unstreamed = entry;
            Origin origin = entry.record().origin();
            source = origin.source();
            partition = origin.partition();
            offset = origin.offset();
            ordinal = entry.ordinal();
        }

        Pending newest() {
            Pending newest = unstreamed != null ? unstreamed : streamed;
            if (newest == null) {
                throw new IllegalStateException("a slot holds a row from its creation");
            }
            return newest;
        }
    }

    void add(Pending entry) {
        records++;
        if (!coalesce) {
            rows.add(entry);
            return;
        }
        Slot slot = slots.get(entry.key());
        if (slot == null) {
            slot = new Slot();
            slots.put(entry.key(), slot);
        } else if (!slot.supersededBy(entry)) {
            // the newest version wins, not the last arrival: in order, they are the same (flatMap keeps its records'
            // order), but a user's operator may reorder, and the table's guard keeps the newest version too
            return;
        }
        if (slot.unstreamed == null) {
            unstreamedSlots.add(slot);
        }
        slot.take(entry);
    }

    /** A record that cannot be written, to dead-letter with the checkpoint. */
    void reject(DeadLetter<?> deadLetter) {
        records++;
        rejected.add(deadLetter);
    }

    /** A mapping error: the checkpoint fails with it. The first one is kept. */
    void fail(OnceflowException error) {
        records++;
        if (failure == null) {
            failure = error;
        }
    }

    /** Whether a mapping error fails this checkpoint already: nothing more of it is worth writing. */
    boolean failed() {
        return failure != null;
    }

    /** Rows held: what memory the buffer takes, and what its bound counts. Streamed rows are held too. */
    int size() {
        return unstreamed() + (coalesce ? streamedKeys : streamedRows.size()) + rejected.size();
    }

    /** Whether the rows' keys are distinct: they are when coalesced. */
    boolean uniqueKeys() {
        return coalesce;
    }

    /** Rows not yet streamed into the checkpoint's open transaction. */
    int unstreamed() {
        return coalesce ? unstreamedSlots.size() : rows.size();
    }

    /**
     * Takes the rows not yet streamed, to write them into the checkpoint's open transaction now, and keeps them for
     * the checkpoint's {@link Sealed#all()}: a checkpoint whose open transaction fails is written again whole.
     */
    List<Pending> stream() {
        if (coalesce) {
            List<Pending> taken = new ArrayList<>(unstreamedSlots.size());
            for (Slot slot : unstreamedSlots) {
                if (slot.streamed == null) {
                    streamedKeys++;
                }
                slot.streamed = slot.unstreamed;
                slot.unstreamed = null;
                taken.add(slot.streamed);
            }
            unstreamedSlots = new ArrayList<>();
            return taken;
        }
        List<Pending> taken = rows;
        streamedRows.addAll(taken);
        rows = new ArrayList<>();
        return taken;
    }

    /** Takes the rows written so far, leaving the buffer empty. */
    Sealed seal() {
        Sealed sealed = coalesce ? sealCoalesced() : sealInOrder();
        rows = new ArrayList<>();
        streamedRows = new ArrayList<>();
        // sized for as many keys as this checkpoint had: the next one likely writes about as many
        slots = new HashMap<>((int) (slots.size() / 0.75f) + 1);
        unstreamedSlots = new ArrayList<>();
        streamedKeys = 0;
        rejected = new ArrayList<>();
        failure = null;
        records = 0;
        return sealed;
    }

    private Sealed sealInOrder() {
        boolean streamed = !streamedRows.isEmpty();
        List<Pending> all = rows;
        if (streamed) {
            all = new ArrayList<>(streamedRows.size() + rows.size());
            all.addAll(streamedRows);
            all.addAll(rows);
        }
        return new Sealed(rows, all, false, streamed, rejected, failure, records);
    }

    private Sealed sealCoalesced() {
        List<Pending> unstreamed = new ArrayList<>(unstreamedSlots.size());
        for (Slot slot : unstreamedSlots) {
            unstreamed.add(slot.unstreamed);
        }
        boolean streamed = streamedKeys > 0;
        List<Pending> all = unstreamed;
        if (streamed) {
            // a key's unstreamed row supersedes its streamed one: add() kept only newer ones
            all = new ArrayList<>(slots.size());
            for (Slot slot : slots.values()) {
                all.add(slot.newest());
            }
        }
        return new Sealed(unstreamed, all, true, streamed, rejected, failure, records);
    }

    /**
     * The rows of one checkpoint.
     *
     * @param rows the rows not streamed into the checkpoint's open transaction, in write order (or one per key,
     *     when coalesced)
     * @param all every row of the checkpoint, streamed or not, in write order (or one per key, the newest, when
     *     coalesced): what a checkpoint written in one transaction at its marker writes
     * @param uniqueKeys whether the keys of {@code rows}, and of {@code all}, are known to be distinct
     * @param streamed whether some rows went into the checkpoint's open transaction
     * @param rejected records that could not be made rows
     * @param failure a mapping error that fails the checkpoint, or {@code null}
     * @param records the records written, coalesced or not
     */
    record Sealed(
            List<Pending> rows,
            List<Pending> all,
            boolean uniqueKeys,
            boolean streamed,
            List<DeadLetter<?>> rejected,
            @Nullable OnceflowException failure,
            int records) {

        /** Rows held in memory until the checkpoint is durable. */
        int size() {
            return all.size() + rejected.size();
        }
    }
}
