package io.onceflow.core;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One keyed-state entry changed during a checkpoint, already encoded, as a commit point stores it.
 *
 * <p>A commit point writes these in the same atomic step as the checkpoint's output and positions (a state table
 * row, or a record of a compacted changelog topic), and hands them back on recovery.
 *
 * @param operator the id of the keyed operator that owns the state
 * @param partition the source partition the state is scoped to
 * @param key the encoded key
 * @param value the encoded state, or {@code null} when the entry was removed (a tombstone)
 * @since 0.1
 */
public record StateChange(String operator, SourcePartition partition, String key, byte @Nullable [] value) {

    public StateChange {
        requireNonNull(operator, "operator");
        requireNonNull(partition, "partition");
        requireNonNull(key, "key");
    }

    /** The encoded state, a copy, or {@code null} for a tombstone. */
    @Override
    public byte @Nullable [] value() {
        return value == null ? null : value.clone();
    }

    /** Whether this change removes the entry. */
    public boolean isTombstone() {
        return value == null;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof StateChange that
                && operator.equals(that.operator)
                && partition.equals(that.partition)
                && key.equals(that.key)
                && Arrays.equals(value, that.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(operator, partition, key) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        String shown = value == null ? "<removed>" : new String(value, StandardCharsets.UTF_8);
        return operator + "/" + partition + "/" + key + "=" + shown;
    }
}
