package io.onceflow.kafka.internal;

import io.onceflow.core.SourcePartition;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The keys of changelog records: the keyed operator, the source partition the state is scoped to, and the state key,
 * so that the changelog compacts to one record per entry and a restore can tell apart the state of different
 * operators, and of equally numbered partitions of different source topics, in one changelog partition.
 *
 * <pre>
 *   version 1 | int length | operator (UTF-8) | int length | source topic (UTF-8) | int partition | state key (UTF-8)
 * </pre>
 */
final class ChangelogKeys {

    private static final byte VERSION = 1;

    /** How the keys of checkpoint records begin: the version and the reserved operator name. */
    private static final byte[] CHECKPOINT_OPERATOR = operatorPrefix(Changelog.CHECKPOINTS);

    /** How the keys of state log records begin: the version and the reserved operator name. */
    private static final byte[] STATE_LOG_OPERATOR = operatorPrefix(Changelog.STATE_LOG);

    private ChangelogKeys() {}

    private static byte[] operatorPrefix(String operator) {
        byte[] op = operator.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + 4 + op.length)
                .put(VERSION)
                .putInt(op.length)
                .put(op)
                .array();
    }

    /** One decoded changelog key. */
    record Key(String operator, SourcePartition partition, String key) {}

    static byte[] encode(String operator, SourcePartition partition, String key) {
        return encode(prefix(operator, partition), key);
    }

    /**
     * The part of a key before the state key, the same for all entries of one operator and partition: the version and
     * the operator, then the partition's {@link #scope}.
     */
    static byte[] prefix(String operator, SourcePartition partition) {
        return concat(operatorPrefix(operator), scope(partition));
    }

    /** A key from its {@link #prefix} and the state key. */
    static byte[] encode(byte[] prefix, String key) {
        return concat(prefix, key.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] concat(byte[] head, byte[] tail) {
        byte[] joined = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, joined, head.length, tail.length);
        return joined;
    }

    /** Whether {@code bytes} is the key of a {@link Changelog#CHECKPOINTS} record, without decoding it. */
    static boolean isCheckpointKey(byte[] bytes) {
        return startsWith(bytes, CHECKPOINT_OPERATOR);
    }

    /** Whether {@code bytes} is the key of a {@link Changelog#STATE_LOG} record, without decoding it. */
    static boolean isStateLogKey(byte[] bytes) {
        return startsWith(bytes, STATE_LOG_OPERATOR);
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    /**
     * The bytes that name {@code partition} in a key, after the operator: its topic's length and name, and its number.
     * {@link #isOf} compares a key against them without decoding it.
     */
    static byte[] scope(SourcePartition partition) {
        byte[] topic = partition.source().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + topic.length + 4)
                .putInt(topic.length)
                .put(topic)
                .putInt(partition.partition())
                .array();
    }

    /** Whether the key {@code bytes} belongs to one of the partitions whose {@link #scope}s are given. */
    static boolean isOf(byte[] bytes, List<byte[]> scopes) {
        if (bytes.length < 5 || bytes[0] != VERSION) {
            return false;
        }
        int operatorLength = ByteBuffer.wrap(bytes, 1, 4).getInt();
        if (operatorLength < 0 || operatorLength > bytes.length - 5) {
            return false;
        }
        int from = 5 + operatorLength;
        for (byte[] scope : scopes) {
            if (bytes.length - from >= scope.length
                    && Arrays.equals(bytes, from, from + scope.length, scope, 0, scope.length)) {
                return true;
            }
        }
        return false;
    }

    /** The key, or {@code null} when the bytes are not an Onceflow changelog key. */
    static @Nullable Key decode(byte @Nullable [] bytes) {
        if (bytes == null || bytes.length < 13 || bytes[0] != VERSION) {
            return null;
        }
        try {
            ByteBuffer buffer = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
            String operator = string(buffer, buffer.getInt());
            String topic = string(buffer, buffer.getInt());
            int partition = buffer.getInt();
            String key = string(buffer, buffer.remaining());
            return new Key(operator, new SourcePartition(topic, partition), key);
        } catch (RuntimeException malformed) {
            return null;
        }
    }

    /**
     * Decodes many keys of a few operators and partitions: a key that begins with the {@link #prefix} of one seen
     * before has only its state key decoded, and shares the operator and partition of the first. Not thread-safe.
     */
    static final class Decoder {
        /** Beyond this many prefixes, keys are decoded whole: the scan below is for the few a restore meets. */
        private static final int MAX_PREFIXES = 64;

        private final List<byte[]> prefixes = new ArrayList<>();
        private final List<Key> firsts = new ArrayList<>();

        @Nullable
        Key decode(byte[] bytes) {
            for (int i = 0; i < prefixes.size(); i++) {
                byte[] prefix = prefixes.get(i);
                if (bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length)) {
                    Key first = firsts.get(i);
                    String key = new String(bytes, prefix.length, bytes.length - prefix.length, StandardCharsets.UTF_8);
                    return new Key(first.operator(), first.partition(), key);
                }
            }
            Key key = ChangelogKeys.decode(bytes);
            if (key != null && prefixes.size() < MAX_PREFIXES) {
                prefixes.add(prefix(key.operator(), key.partition()));
                firsts.add(key);
            }
            return key;
        }
    }

    private static String string(ByteBuffer buffer, int length) {
        if (length < 0 || length > buffer.remaining()) {
            throw new IllegalArgumentException("bad length " + length);
        }
        String text = new String(buffer.array(), buffer.position(), length, StandardCharsets.UTF_8);
        buffer.position(buffer.position() + length);
        return text;
    }
}
