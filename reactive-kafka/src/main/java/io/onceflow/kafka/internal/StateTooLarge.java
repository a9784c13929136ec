package io.onceflow.kafka.internal;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jspecify.annotations.Nullable;

/**
 * The message of a pipeline stopped by a changelog record too large for its sink's producer: which operator's state,
 * of which key, and what to do about it. Made only when it happens, so it may read the whole record.
 */
final class StateTooLarge {

    /** A key is named by this many characters at most: a key can be what made the state too large. */
    private static final int KEY_SHOWN = 80;

    private StateTooLarge() {}

    static String describe(String pipeline, ProducerRecord<byte[], byte[]> record, RecordSizeLimit limit) {
        Entry largest = largestEntry(record);
        String what = largest == null
                ? String.format(Locale.ROOT, "a changelog record of %,d bytes", RecordSizeLimit.sizeOf(record))
                : String.format(
                        Locale.ROOT,
                        "the keyed state of operator '%s', key '%s' (%,d bytes of key, %,d of value)",
                        largest.operator,
                        shown(largest.key),
                        largest.keyBytes,
                        largest.valueBytes);
        return String.format(
                Locale.ROOT,
                "pipeline '%s': %s does not fit in a record of changelog topic %s, partition %d: the sink's producer"
                        + " sends at most %,d bytes in one record (max.request.size). A restart would meet the same"
                        + " state again, so the pipeline stops. Keep each key's state smaller (a map before the keyed"
                        + " operator that throws on what would make it too large turns that record into a dead"
                        + " letter), or raise the sink's producer max.request.size together with the changelog"
                        + " topic's max.message.bytes",
                pipeline,
                what,
                record.topic(),
                record.partition(),
                limit.maxBytes());
    }

    private record Entry(String operator, String key, int keyBytes, int valueBytes) {}

    /** The record's largest entry: of a state log record, or the record itself when it is one key's; or null. */
    private static @Nullable Entry largestEntry(ProducerRecord<byte[], byte[]> record) {
        byte[] key = record.key();
        byte[] value = record.value();
        if (key == null || value == null) {
            return null;
        }
        if (ChangelogKeys.isStateLogKey(key)) {
            Entry[] largest = {null};
            try {
                StateLogValue.read(value, (operator, bytes, keyOffset, keyLength, entryValue) -> {
                    int valueBytes = entryValue == null ? 0 : entryValue.length;
                    Entry current = largest[0];
                    if (current == null || keyLength + valueBytes > current.keyBytes + current.valueBytes) {
                        String entryKey = new String(bytes, keyOffset, keyLength, StandardCharsets.UTF_8);
                        largest[0] = new Entry(operator, entryKey, keyLength, valueBytes);
                    }
                });
            } catch (RuntimeException unreadable) {
                return null; // written here a moment ago: not expected, and the size alone still says enough
            }
            return largest[0];
        }
        ChangelogKeys.Key decoded = ChangelogKeys.decode(key);
        return decoded == null
                ? null
                : new Entry(
                        decoded.operator(),
                        decoded.key(),
                        decoded.key().getBytes(StandardCharsets.UTF_8).length,
                        value.length);
    }

    private static String shown(String key) {
        return key.length() <= KEY_SHOWN ? key : key.substring(0, KEY_SHOWN) + "…";
    }
}
