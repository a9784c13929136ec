package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.core.SourcePartition;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The bytes of one row of the state log: one partition's keyed-state changes of one checkpoint, in one value.
 *
 * <p>Only Onceflow reads them (the database never looks inside), so the form is the cheapest to write and read:
 * a version byte; the operators' names once; then per entry the operator's index, the key and the encoded value,
 * or a length of -1 for a removed entry (a tombstone). Lengths are 4-byte big-endian, strings UTF-8.
 */
final class StateLogBlock {

    private static final byte VERSION = 1;
    private static final int TOMBSTONE = -1;

    private StateLogBlock() {}

    /** One entry of a block: an operator's key and its encoded state, {@code null} when removed. */
    record Entry(String operator, String key, byte @Nullable [] value) {}

    /** The block of {@code entries}, which must not repeat an (operator, key). */
    static byte[] encode(List<Entry> entries) {
        Map<String, Integer> operators = new HashMap<>();
        List<byte[]> operatorNames = new ArrayList<>();
        List<byte[]> keys = new ArrayList<>(entries.size());
        int size = 1 + 4 + 4;
        for (Entry entry : entries) {
            if (!operators.containsKey(entry.operator())) {
                operators.put(entry.operator(), operators.size());
                byte[] name = entry.operator().getBytes(StandardCharsets.UTF_8);
                operatorNames.add(name);
                size += 4 + name.length;
            }
            byte[] key = entry.key().getBytes(StandardCharsets.UTF_8);
            keys.add(key);
            byte[] value = entry.value();
            size += 4 + 4 + key.length + 4 + (value == null ? 0 : value.length);
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(VERSION).putInt(operatorNames.size());
        for (byte[] name : operatorNames) {
            out.putInt(name.length).put(name);
        }
        out.putInt(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            Entry entry = entries.get(i);
            byte[] key = keys.get(i);
            out.putInt(operators.get(entry.operator())).putInt(key.length).put(key);
            byte[] value = entry.value();
            if (value == null) {
                out.putInt(TOMBSTONE);
            } else {
                out.putInt(value.length).put(value);
            }
        }
        return out.array();
    }

    /**
     * The entries of a block, in the order they were written.
     *
     * @throws IllegalStateException when the bytes are not a block of this version (a row written by hand, or by a
     *     later version of Onceflow)
     */
    static List<Entry> decode(byte[] block, SourcePartition partition) {
        ByteBuffer in = ByteBuffer.wrap(block);
        try {
            byte version = in.get();
            if (version != VERSION) {
                throw unreadable(partition, "version " + version + ", this Onceflow reads version " + VERSION);
            }
            int operatorCount = count(in, partition);
            String[] operators = new String[operatorCount];
            for (int i = 0; i < operatorCount; i++) {
                operators[i] = string(in, partition);
            }
            int entryCount = count(in, partition);
            List<Entry> entries = new ArrayList<>(entryCount);
            for (int i = 0; i < entryCount; i++) {
                int operator = in.getInt();
                if (operator < 0 || operator >= operatorCount) {
                    throw unreadable(partition, "operator index " + operator + " of " + operatorCount);
                }
                String key = string(in, partition);
                int length = in.getInt();
                byte[] value = null;
                if (length != TOMBSTONE) {
                    value = new byte[checkedLength(length, in, partition)];
                    in.get(value);
                }
                entries.add(new Entry(operators[operator], key, value));
            }
            if (in.hasRemaining()) {
                throw unreadable(partition, in.remaining() + " bytes after the last entry");
            }
            return entries;
        } catch (BufferUnderflowException truncated) {
            throw unreadable(partition, "truncated");
        }
    }

    private static int count(ByteBuffer in, SourcePartition partition) {
        int count = in.getInt();
        if (count < 0 || count > in.remaining()) {
            throw unreadable(partition, "a count of " + count + " with " + in.remaining() + " bytes left");
        }
        return count;
    }

    private static String string(ByteBuffer in, SourcePartition partition) {
        byte[] bytes = new byte[checkedLength(in.getInt(), in, partition)];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static int checkedLength(int length, ByteBuffer in, SourcePartition partition) {
        if (length < 0 || length > in.remaining()) {
            throw unreadable(partition, "a length of " + length + " with " + in.remaining() + " bytes left");
        }
        return length;
    }

    private static IllegalStateException unreadable(SourcePartition partition, String why) {
        return new IllegalStateException("a row of the state log of " + partition + " cannot be read (" + why
                + "): it was not written by this version of Onceflow's PostgreSQL commit point");
    }
}
