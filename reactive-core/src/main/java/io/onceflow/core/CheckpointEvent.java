package io.onceflow.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of one checkpoint: completed (durable in every participant) or failed.
 *
 * <p>Two events are equal when they have the same outcome and checkpoint id, so a test can write
 * {@code assertThat(event).isEqualTo(CheckpointEvent.completed(1))}; the figures (duration, records, positions) are
 * details.
 *
 * @since 0.1
 */
public final class CheckpointEvent {

    /** What happened to the checkpoint. */
    public enum Outcome {
        /** Every participant made the checkpoint durable, and the commit point committed it. */
        COMPLETED,
        /** The checkpoint did not commit: nothing of it is visible, and it will be replayed. */
        FAILED
    }

    private final long checkpointId;
    private final Outcome outcome;
    private final Duration duration;
    private final long records;
    private final Positions positions;
    private final @Nullable Throwable error;

    private CheckpointEvent(
            long checkpointId,
            Outcome outcome,
            Duration duration,
            long records,
            Positions positions,
            @Nullable Throwable error) {
        this.checkpointId = checkpointId;
        this.outcome = requireNonNull(outcome, "outcome");
        this.duration = requireNonNull(duration, "duration");
        this.records = records;
        this.positions = requireNonNull(positions, "positions");
        this.error = error;
    }

    /** A completed checkpoint, without figures: for comparisons in tests. */
    public static CheckpointEvent completed(long checkpointId) {
        return new CheckpointEvent(checkpointId, Outcome.COMPLETED, Duration.ZERO, 0, Positions.empty(), null);
    }

    /** A completed checkpoint with its figures. */
    public static CheckpointEvent completed(long checkpointId, Duration duration, long records, Positions positions) {
        return new CheckpointEvent(checkpointId, Outcome.COMPLETED, duration, records, positions, null);
    }

    /** A failed checkpoint. */
    public static CheckpointEvent failed(long checkpointId, Throwable error) {
        return new CheckpointEvent(
                checkpointId, Outcome.FAILED, Duration.ZERO, 0, Positions.empty(), requireNonNull(error, "error"));
    }

    /** A failed checkpoint with its figures. */
    public static CheckpointEvent failed(long checkpointId, Duration duration, long records, Throwable error) {
        return new CheckpointEvent(
                checkpointId, Outcome.FAILED, duration, records, Positions.empty(), requireNonNull(error, "error"));
    }

    public long checkpointId() {
        return checkpointId;
    }

    public Outcome outcome() {
        return outcome;
    }

    /** Whether the checkpoint completed. */
    public boolean completed() {
        return outcome == Outcome.COMPLETED;
    }

    /** Whether the checkpoint failed. */
    public boolean failed() {
        return outcome == Outcome.FAILED;
    }

    /** From the marker's creation to the commit point's commit, or to the failure. */
    public Duration duration() {
        return duration;
    }

    /** Records the sinks received in this checkpoint. */
    public long records() {
        return records;
    }

    /** The positions the checkpoint committed; empty for a failed one. */
    public Positions positions() {
        return positions;
    }

    /** Why the checkpoint failed. */
    public Optional<Throwable> error() {
        return Optional.ofNullable(error);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CheckpointEvent event && checkpointId == event.checkpointId && outcome == event.outcome;
    }

    @Override
    public int hashCode() {
        return Objects.hash(checkpointId, outcome);
    }

    @Override
    public String toString() {
        return outcome == Outcome.COMPLETED
                ? "CheckpointEvent[completed " + checkpointId + ", " + records + " records, " + duration.toMillis()
                        + " ms]"
                : "CheckpointEvent[failed " + checkpointId + ": " + error + "]";
    }
}
