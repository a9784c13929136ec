package io.onceflow.kafka.internal;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The value of a {@link Changelog#STATE_LOG} record: state entries of one source partition, in the order they apply.
 *
 * <pre>
 *   version 1 | entry*
 *   entry:  int length | operator (UTF-8)   (length -1: the operator of the entry before)
 *           int length | state key (UTF-8)
 *           int length | value              (length -1: the entry was removed)
 * </pre>
 *
 * <p>A checkpoint whose changes of a partition are larger than {@link #TARGET_BYTES} writes them as several records:
 * each stays within a producer batch ({@code batch.size} 256 KiB), far under the broker's 1 MiB message limit, unless
 * one value alone is larger, which the per-key changelog never allowed either.
 */
final class StateLogValue {

    /** A record is closed once its value reaches this size. */
    static final int TARGET_BYTES = 240 * 1024;

    private static final byte VERSION = 1;
    private static final int SAME_OPERATOR = -1;
    private static final int REMOVED = -1;

    private StateLogValue() {}

    /**
     * Writes the entries of one partition's log records, handing each record's value on as soon as it reaches
     * {@link #TARGET_BYTES}, so that the producer sends it while the rest is encoded. Not thread-safe.
     */
    static final class Builder {
        private final int targetBytes;
        private final Consumer<byte[]> closed;
        private byte[] open = new byte[4096];
        private int size;
        private @Nullable String operator;

        Builder(Consumer<byte[]> closed) {
            this(TARGET_BYTES, closed);
        }

        Builder(int targetBytes, Consumer<byte[]> closed) {
            this.targetBytes = targetBytes;
            this.closed = closed;
        }

        void add(String entryOperator, String key, byte @Nullable [] value) {
            if (size >= targetBytes) {
                close();
            }
            if (size == 0) {
                ensure(1);
                open[size++] = VERSION;
                operator = null;
            }
            if (entryOperator.equals(operator)) {
                writeInt(SAME_OPERATOR);
            } else {
                writeBytes(entryOperator.getBytes(StandardCharsets.UTF_8));
                operator = entryOperator;
            }
            writeBytes(key.getBytes(StandardCharsets.UTF_8));
            if (value == null) {
                writeInt(REMOVED);
            } else {
                writeBytes(value);
            }
        }

        /** Hands on the last record's value, if anything was added since the one before. */
        void finish() {
            if (size > 0) {
                close();
            }
        }

        private void close() {
            closed.accept(Arrays.copyOf(open, size));
            size = 0;
        }

        private void writeBytes(byte[] bytes) {
            writeInt(bytes.length);
            ensure(bytes.length);
            System.arraycopy(bytes, 0, open, size, bytes.length);
            size += bytes.length;
        }

        private void writeInt(int value) {
            ensure(Integer.BYTES);
            open[size++] = (byte) (value >>> 24);
            open[size++] = (byte) (value >>> 16);
            open[size++] = (byte) (value >>> 8);
            open[size++] = (byte) value;
        }

        private void ensure(int more) {
            if (size + more > open.length) {
                open = Arrays.copyOf(open, Math.max(open.length * 2, size + more));
            }
        }
    }

    /** Receives the entries of a log record as they are read, the key as bytes of the record's value. */
    @FunctionalInterface
    interface EntryReader {
        /**
         * One entry.
         *
         * @param operator the entry's operator, the same instance for the entries of one operator in a record
         * @param record the record's value, which holds the key
         * @param keyOffset where the key's UTF-8 bytes begin in {@code record}
         * @param keyLength how many bytes the key has
         * @param value the entry's value, {@code null} when it was removed
         */
        void entry(String operator, byte[] record, int keyOffset, int keyLength, byte @Nullable [] value);
    }

    /**
     * Reads the entries of a log record in order, without making a string of each key.
     *
     * @throws IllegalArgumentException when the value is not one this version wrote: the changelog would then be
     *     restored without part of its state, so the claim fails instead
     */
    static void read(byte[] value, EntryReader reader) {
        if (value.length == 0 || value[0] != VERSION) {
            throw new IllegalArgumentException("a state log record of an unknown version ("
                    + (value.length == 0 ? "empty" : "version " + value[0]) + "): written by a newer Onceflow?");
        }
        ByteBuffer buffer = ByteBuffer.wrap(value, 1, value.length - 1);
        String operator = null;
        int entries = 0;
        try {
            while (buffer.hasRemaining()) {
                int operatorLength = buffer.getInt();
                if (operatorLength != SAME_OPERATOR || operator == null) {
                    operator = new String(value, skip(buffer, operatorLength), operatorLength, StandardCharsets.UTF_8);
                }
                int keyLength = buffer.getInt();
                int keyOffset = skip(buffer, keyLength);
                int valueLength = buffer.getInt();
                byte[] entryValue = null;
                if (valueLength != REMOVED) {
                    int valueOffset = skip(buffer, valueLength);
                    entryValue = Arrays.copyOfRange(value, valueOffset, valueOffset + valueLength);
                }
                reader.entry(operator, value, keyOffset, keyLength, entryValue);
                entries++;
            }
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("a state log record cut short after " + entries + " entries", e);
        }
    }

    /** Where the next {@code length} bytes begin, moving past them. */
    private static int skip(ByteBuffer buffer, int length) {
        if (length < 0 || length > buffer.remaining()) {
            throw new IllegalArgumentException("a state log record with a bad length " + length);
        }
        int at = buffer.position();
        buffer.position(at + length);
        return at;
    }
}
