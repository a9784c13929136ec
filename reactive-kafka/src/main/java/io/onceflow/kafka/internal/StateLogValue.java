package io.onceflow.kafka.internal;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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

    /** One entry of a log record: {@code value} is {@code null} when the entry was removed. */
    record Entry(String operator, String key, byte @Nullable [] value) {}

    /** Writes the entries of one partition's log records, closing a record at {@link #TARGET_BYTES}. Not thread-safe. */
    static final class Builder {
        private final int targetBytes;
        private final List<byte[]> closed = new ArrayList<>();
        private final ByteArrayOutputStream open = new ByteArrayOutputStream(1024);
        private @Nullable String operator;

        Builder() {
            this(TARGET_BYTES);
        }

        Builder(int targetBytes) {
            this.targetBytes = targetBytes;
        }

        void add(String entryOperator, String key, byte @Nullable [] value) {
            if (open.size() >= targetBytes) {
                close();
            }
            if (open.size() == 0) {
                open.write(VERSION);
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

        /** The values of the records, in order; none when nothing was added. */
        List<byte[]> values() {
            if (open.size() > 0) {
                close();
            }
            return closed;
        }

        private void close() {
            closed.add(open.toByteArray());
            open.reset();
        }

        private void writeBytes(byte[] bytes) {
            writeInt(bytes.length);
            open.write(bytes, 0, bytes.length);
        }

        private void writeInt(int value) {
            open.write(value >>> 24);
            open.write(value >>> 16);
            open.write(value >>> 8);
            open.write(value);
        }
    }

    /**
     * The entries of a log record's value.
     *
     * @throws IllegalArgumentException when the value is not one this version wrote: the changelog would then be
     *     restored without part of its state, so the claim fails instead
     */
    static List<Entry> decode(byte[] value) {
        if (value.length == 0 || value[0] != VERSION) {
            throw new IllegalArgumentException("a state log record of an unknown version ("
                    + (value.length == 0 ? "empty" : "version " + value[0]) + "): written by a newer Onceflow?");
        }
        ByteBuffer buffer = ByteBuffer.wrap(value, 1, value.length - 1);
        List<Entry> entries = new ArrayList<>();
        String operator = null;
        try {
            while (buffer.hasRemaining()) {
                int operatorLength = buffer.getInt();
                if (operatorLength == SAME_OPERATOR && operator != null) {
                    // the operator of the entry before
                } else {
                    operator = string(buffer, operatorLength);
                }
                String key = string(buffer, buffer.getInt());
                int valueLength = buffer.getInt();
                byte[] entryValue = null;
                if (valueLength != REMOVED) {
                    entryValue = bytes(buffer, valueLength);
                }
                entries.add(new Entry(operator, key, entryValue));
            }
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("a state log record cut short after " + entries.size() + " entries", e);
        }
        return entries;
    }

    private static String string(ByteBuffer buffer, int length) {
        return new String(bytes(buffer, length), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ByteBuffer buffer, int length) {
        if (length < 0 || length > buffer.remaining()) {
            throw new IllegalArgumentException("a state log record with a bad length " + length);
        }
        byte[] bytes = new byte[length];
        buffer.get(bytes);
        return bytes;
    }
}
