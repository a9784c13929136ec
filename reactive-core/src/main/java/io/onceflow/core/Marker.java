package io.onceflow.core;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.internal.state.DeferredStateChanges;
import java.util.ArrayList;
import java.util.List;

/**
 * The checkpoint barrier: everything before it belongs to checkpoint {@code checkpointId} or an earlier one,
 * everything after it to a later one.
 *
 * <p>The pipeline's source stage creates the marker with the source positions reached at its place in the stream.
 * On its way to the sinks, each keyed operator attaches the state entries it changed during the checkpoint, so
 * that the commit point receives, in one element, everything it must make durable in one step: positions and
 * state, after the records that precede it. Markers are immutable. A state value that cannot change (a record of
 * numbers and strings, say) is kept as it was at the marker and encoded when the commit point first reads its change,
 * on the commit point's thread rather than the pipeline's.
 *
 * <p>The type parameter is a phantom: a marker carries no value, so a marker of any stream can be passed on
 * unchanged with {@link #cast()}.
 *
 * @param checkpointId the checkpoint id; ids increase strictly per pipeline and continue across restarts
 * @param positions the source positions just before this marker
 * @param stateChanges the keyed-state entries changed since the previous marker, by operator and partition
 * @param <T> the element type of the stream this marker travels in
 * @since 0.1
 */
public record Marker<T>(long checkpointId, Positions positions, List<StateChange> stateChanges)
        implements StreamElement<T> {

    public Marker {
        if (checkpointId < 1) {
            throw new IllegalArgumentException("checkpointId must be >= 1, was " + checkpointId);
        }
        requireNonNull(positions, "positions");
        // changes still to be encoded are an immutable list of their own: copying it would encode them here
        stateChanges = stateChanges instanceof DeferredStateChanges ? stateChanges : List.copyOf(stateChanges);
    }

    /** A marker with positions and no state changes. */
    public static <T> Marker<T> of(long checkpointId, Positions positions) {
        return new Marker<>(checkpointId, positions, List.of());
    }

    /** This marker in a stream of another element type. */
    @SuppressWarnings("unchecked")
    public <R> Marker<R> cast() {
        return (Marker<R>) this;
    }

    /** This marker with {@code changes} appended to its state changes. */
    public Marker<T> withStateChanges(List<StateChange> changes) {
        if (changes.isEmpty()) {
            return this;
        }
        if (stateChanges.isEmpty()) {
            return new Marker<>(checkpointId, positions, changes); // copied once, by the constructor
        }
        if (changes instanceof DeferredStateChanges || stateChanges instanceof DeferredStateChanges) {
            return new Marker<>(checkpointId, positions, DeferredStateChanges.join(stateChanges, changes));
        }
        List<StateChange> all = new ArrayList<>(stateChanges.size() + changes.size());
        all.addAll(stateChanges);
        all.addAll(changes);
        return new Marker<>(checkpointId, positions, all);
    }

    @Override
    public String toString() {
        return "Marker[" + checkpointId + ", positions=" + positions + ", stateChanges=" + stateChanges.size() + "]";
    }
}
