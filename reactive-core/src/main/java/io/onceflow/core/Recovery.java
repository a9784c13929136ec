package io.onceflow.core;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * What a commit point holds for some partitions: the positions to resume from and the keyed state to restore.
 *
 * @param positions the committed next offsets; partitions never committed are absent
 * @param state the committed keyed-state entries of those partitions, tombstones excluded
 * @since 0.1
 */
public record Recovery(Positions positions, List<StateChange> state) {

    public Recovery {
        requireNonNull(positions, "positions");
        state = List.copyOf(state);
    }

    /** Nothing committed: start from the source's reset policy with empty state. */
    public static Recovery empty() {
        return new Recovery(Positions.empty(), List.of());
    }
}
