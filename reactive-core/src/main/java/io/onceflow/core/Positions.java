package io.onceflow.core;

import static java.util.Objects.requireNonNull;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Source positions at a place in the stream: for each source partition, the offset of the next record to read.
 *
 * <p>A {@link Marker} carries the positions reached just before it; a commit point stores them with the
 * checkpoint, and recovery resumes from them. Immutable; iteration is in partition order.
 *
 * @since 0.1
 */
public final class Positions {

    private static final Positions EMPTY = new Positions(new TreeMap<>());

    private final Map<SourcePartition, Long> nextOffsets;

    private Positions(TreeMap<SourcePartition, Long> nextOffsets) {
        this.nextOffsets = Collections.unmodifiableMap(nextOffsets);
    }

    /** No positions: nothing has been read. */
    public static Positions empty() {
        return EMPTY;
    }

    /**
     * Positions from a map of next offsets.
     *
     * @throws IllegalArgumentException if an offset is negative
     */
    public static Positions of(Map<SourcePartition, Long> nextOffsets) {
        requireNonNull(nextOffsets, "nextOffsets");
        TreeMap<SourcePartition, Long> copy = new TreeMap<>();
        nextOffsets.forEach((partition, offset) -> {
            requireNonNull(partition, "partition");
            requireNonNull(offset, "offset");
            if (offset < 0) {
                throw new IllegalArgumentException("next offset of " + partition + " must be >= 0, was " + offset);
            }
            copy.put(partition, offset);
        });
        return copy.isEmpty() ? EMPTY : new Positions(copy);
    }

    /** The next offset to read from {@code partition}, if known. */
    public Optional<Long> nextOffset(SourcePartition partition) {
        return Optional.ofNullable(nextOffsets.get(partition));
    }

    /** The partitions these positions cover. */
    public Set<SourcePartition> partitions() {
        return nextOffsets.keySet();
    }

    /** The positions as an unmodifiable map, in partition order. */
    public Map<SourcePartition, Long> asMap() {
        return nextOffsets;
    }

    /** These positions restricted to {@code partitions}. */
    public Positions only(Collection<SourcePartition> partitions) {
        TreeMap<SourcePartition, Long> copy = new TreeMap<>();
        for (SourcePartition partition : partitions) {
            Long offset = nextOffsets.get(partition);
            if (offset != null) {
                copy.put(partition, offset);
            }
        }
        return copy.isEmpty() ? EMPTY : new Positions(copy);
    }

    /** These positions, overridden by {@code newer} where both have a partition. */
    public Positions with(Positions newer) {
        if (newer.nextOffsets.isEmpty()) {
            return this;
        }
        TreeMap<SourcePartition, Long> copy = new TreeMap<>(nextOffsets);
        copy.putAll(newer.nextOffsets);
        return new Positions(copy);
    }

    public boolean isEmpty() {
        return nextOffsets.isEmpty();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Positions positions && nextOffsets.equals(positions.nextOffsets);
    }

    @Override
    public int hashCode() {
        return nextOffsets.hashCode();
    }

    @Override
    public String toString() {
        return nextOffsets.toString();
    }
}
