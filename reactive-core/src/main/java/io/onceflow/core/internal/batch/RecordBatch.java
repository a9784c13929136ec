package io.onceflow.core.internal.batch;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.Origin;
import io.onceflow.core.StreamElement;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;

/**
 * Consecutive records of one source partition, carried as one element between two markers inside a pipeline: what
 * a Kafka poll returns for a partition, without a {@link Data} and an {@link Origin} per record.
 *
 * <pre>
 *   d d d [M] d d        one element per record (what users see, in elements() and Flux.transform)
 *   [ddd] [M] [dd]       one element per batch (inside the fluent chain, from the source stage to the sink stage)
 * </pre>
 *
 * <p>Each slot holds a record's value, or a record's {@link DeadLetter} in its place, with the record's offset and
 * timestamp: a batch keeps its records' order, dead letters included, so unbatching it ({@link #elements}) gives the
 * elements a per-record stream would have carried. A batch never spans a marker: the source stage emits it whole
 * between two, so everything in it belongs to one checkpoint.
 *
 * <p>Not thread-safe, and owned by one stage at a time: an operator rewrites a batch in place and hands it on
 * ({@link #keep}, {@link #keepDeadLetter}, {@link #endRewrite}); no one keeps a reference to a batch it has emitted.
 *
 * @param <T> the type of the record values
 */
public final class RecordBatch<T> {

    private final String source;
    private final int partition;
    private Object[] slots;
    private long[] offsets;
    private long[] timestamps;
    private int size;

    /** The write position of a rewrite in progress: slots below it are the rewrite's output. */
    private int written;

    /** A dead letter in a record's slot; only this class makes one, so no record value can be mistaken for it. */
    private record DeadLetterSlot(DeadLetter<?> deadLetter) {}

    /** An empty batch of {@code source}'s {@code partition}, with room for {@code capacity} records. */
    public RecordBatch(String source, int partition, int capacity) {
        this.source = requireNonNull(source, "source");
        this.partition = partition;
        int room = Math.max(1, capacity);
        this.slots = new Object[room];
        this.offsets = new long[room];
        this.timestamps = new long[room];
    }

    public String source() {
        return source;
    }

    public int partition() {
        return partition;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Appends a record; offsets must increase, as they do in a partition. */
    public void add(T value, long offset, long timestamp) {
        append(requireNonNull(value, "value"), offset, timestamp);
    }

    /** Appends a record that could not be read, as its dead letter, which must come from this batch's partition. */
    public void addDeadLetter(DeadLetter<?> deadLetter) {
        Origin origin = deadLetter.origin();
        if (origin.partition() != partition || !origin.source().equals(source)) {
            throw new IllegalArgumentException(
                    "a dead letter from " + origin + " cannot join a batch of " + source + "-" + partition);
        }
        append(new DeadLetterSlot(deadLetter), origin.offset(), origin.timestamp());
    }

    /** Appends the record of {@code element}, a {@link Data} or a {@link DeadLetter} of this batch's partition. */
    public void add(StreamElement<T> element) {
        if (element instanceof Data<T> record) {
            Origin origin = record.origin();
            add(record.value(), origin.offset(), origin.timestamp());
        } else if (element instanceof DeadLetter<?> deadLetter) {
            addDeadLetter(deadLetter);
        } else {
            throw new IllegalArgumentException("a batch holds records and dead letters, not " + element);
        }
    }

    private void append(Object slot, long offset, long timestamp) {
        if (size == slots.length) {
            int grown = size * 2;
            slots = Arrays.copyOf(slots, grown);
            offsets = Arrays.copyOf(offsets, grown);
            timestamps = Arrays.copyOf(timestamps, grown);
        }
        slots[size] = slot;
        offsets[size] = offset;
        timestamps[size] = timestamp;
        size++;
    }

    /** Whether slot {@code index} holds a dead letter rather than a record's value. */
    public boolean isDeadLetter(int index) {
        return slots[index] instanceof DeadLetterSlot;
    }

    /** The record value in slot {@code index}; see {@link #isDeadLetter}. */
    @SuppressWarnings("unchecked")
    public T value(int index) {
        Object slot = slots[index];
        if (slot instanceof DeadLetterSlot) {
            throw new IllegalStateException("slot " + index + " of " + this + " holds a dead letter");
        }
        return (T) slot;
    }

    /** The dead letter in slot {@code index}; see {@link #isDeadLetter}. */
    @SuppressWarnings("unchecked")
    public <R> DeadLetter<R> deadLetter(int index) {
        return (DeadLetter<R>) ((DeadLetterSlot) slots[index]).deadLetter();
    }

    public long offset(int index) {
        return offsets[index];
    }

    public long timestamp(int index) {
        return timestamps[index];
    }

    /** The offset just after the batch's last record: where its partition resumes once the batch is committed. */
    public long nextOffset() {
        return offsets[size - 1] + 1;
    }

    /** The origin of the record in slot {@code index}, made when asked for: a dead letter's, a sink's. */
    public Origin origin(int index) {
        return new Origin(source, partition, offsets[index], timestamps[index]);
    }

    /** The record in slot {@code index} as a stream element: its {@link Data}, or its dead letter. */
    @SuppressWarnings("unchecked")
    public <R> StreamElement<R> element(int index) {
        Object slot = slots[index];
        if (slot instanceof DeadLetterSlot deadLetterSlot) {
            return (StreamElement<R>) deadLetterSlot.deadLetter();
        }
        return new Data<>((R) slot, origin(index));
    }

    /** The batch as the elements a per-record stream carries, in order: a view, each element made when read. */
    public <R> List<StreamElement<R>> elements() {
        return new AbstractList<>() {
            @Override
            public StreamElement<R> get(int index) {
                if (index >= size) {
                    throw new IndexOutOfBoundsException(index);
                }
                return element(index);
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    // ---- rewriting in place: an operator reads slot i and writes its output at the write position (<= i) ----

    /** Starts a rewrite: the operator then keeps, replaces or drops each slot, in order, and ends it. */
    public void beginRewrite() {
        written = 0;
    }

    /** Keeps the record of slot {@code index}, with {@code value} as its value (the same one, or a derived one). */
    @SuppressWarnings("unchecked")
    public <R> RecordBatch<R> keep(int index, R value) {
        move(index, requireNonNull(value, "value"));
        return (RecordBatch<R>) this;
    }

    /** Keeps slot {@code index} as it is: a dead letter an operator passes on, or a record it does not touch. */
    public void keepAsIs(int index) {
        move(index, slots[index]);
    }

    /** Replaces the record of slot {@code index} with its dead letter, in its place. */
    public void keepDeadLetter(int index, DeadLetter<?> deadLetter) {
        move(index, new DeadLetterSlot(deadLetter));
    }

    private void move(int index, Object slot) {
        if (index < written || index >= size) {
            throw new IllegalStateException(
                    "slot " + index + " rewritten out of order (write position " + written + ", size " + size + ")");
        }
        slots[written] = slot;
        if (written != index) { // a record kept in its place keeps its offset and timestamp there
            offsets[written] = offsets[index];
            timestamps[written] = timestamps[index];
        }
        written++;
    }

    /**
     * Ends a rewrite: the slots not kept are dropped (a filter's), and the batch, of the stream's new value type, is
     * what was kept, in order; it may be empty.
     */
    @SuppressWarnings("unchecked")
    public <R> RecordBatch<R> endRewrite() {
        Arrays.fill(slots, written, size, null); // what was dropped is garbage now, not held by the batch
        size = written;
        return (RecordBatch<R>) this;
    }

    /** Drops the first {@code count} records: read under an assignment that has ended. */
    public void dropFirst(int count) {
        if (count <= 0) {
            return;
        }
        int kept = Math.max(0, size - count);
        System.arraycopy(slots, size - kept, slots, 0, kept);
        System.arraycopy(offsets, size - kept, offsets, 0, kept);
        System.arraycopy(timestamps, size - kept, timestamps, 0, kept);
        Arrays.fill(slots, kept, size, null);
        size = kept;
    }

    /**
     * Cuts the batch after its first {@code count} records: this batch keeps them, and the rest move to the batch
     * returned (where a checkpoint falls due between two records of a poll).
     */
    public RecordBatch<T> split(int count) {
        if (count <= 0 || count >= size) {
            throw new IllegalArgumentException("cannot split a batch of " + size + " after " + count);
        }
        int rest = size - count;
        RecordBatch<T> tail = new RecordBatch<>(source, partition, rest);
        System.arraycopy(slots, count, tail.slots, 0, rest);
        System.arraycopy(offsets, count, tail.offsets, 0, rest);
        System.arraycopy(timestamps, count, tail.timestamps, 0, rest);
        tail.size = rest;
        Arrays.fill(slots, count, size, null);
        size = count;
        return tail;
    }

    /** A copy, for a caller that must hand the same records on more than once (a benchmark, a test). */
    public RecordBatch<T> copy() {
        RecordBatch<T> copy = new RecordBatch<>(source, partition, size);
        System.arraycopy(slots, 0, copy.slots, 0, size);
        System.arraycopy(offsets, 0, copy.offsets, 0, size);
        System.arraycopy(timestamps, 0, copy.timestamps, 0, size);
        copy.size = size;
        return copy;
    }

    /** {@code topic-partition@first..last}, like an {@link Origin}'s form. */
    @Override
    public String toString() {
        return size == 0
                ? source + "-" + partition + "@(empty)"
                : source + "-" + partition + "@" + offsets[0] + ".." + offsets[size - 1];
    }
}
