package io.onceflow.sinks.r2dbc.internal;

import io.micrometer.core.instrument.Counter;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.FencedException;
import io.onceflow.core.Marker;
import io.onceflow.core.OnceflowException;
import io.onceflow.core.PartitionFencedException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a PostgreSQL commit point says about its checkpoints: the {@code io.onceflow.COMMIT} log lines of a commit and
 * of its dead letters, the dead-lettered records counter, and the failure of a fenced commit.
 */
final class CommitReport {

    private static final Logger COMMIT = LoggerFactory.getLogger("io.onceflow.COMMIT");

    private final String pipeline;
    private final String instanceId;
    private final String sink;
    private final Counter deadLettered;

    /**
     * @param deadLettered the engine's own counter (pipeline tag only), which also counts the rows this sink refuses
     */
    CommitReport(String pipeline, String instanceId, String sink, Counter deadLettered) {
        this.pipeline = pipeline;
        this.instanceId = instanceId;
        this.sink = sink;
        this.deadLettered = deadLettered;
    }

    /**
     * The failure of a commit whose fenced update did not match: a partition claimed by another owner since this run
     * claimed it is retryable (the restarted run claims what it is assigned now); the instance opened again by
     * another process is not.
     *
     * @param partitionMoved whether the instance's row still matched (so a partition's did not)
     * @param owners the partitions' owners now, described
     * @param instanceEpoch the epoch this run opened the instance at
     */
    OnceflowException fenced(Marker<?> marker, boolean partitionMoved, String owners, long instanceEpoch) {
        String reason = partitionMoved
                ? "a partition was claimed by another owner since this run claimed it; owners now: " + owners
                        + "; the run restarts and claims what it is assigned now"
                : "instance '" + instanceId + "' was opened again (epoch " + instanceEpoch
                        + " is no longer the instance's): this process stops";
        COMMIT.warn(
                "pipeline={} checkpoint={} sink={} fenced, rolled back: {}",
                pipeline,
                marker.checkpointId(),
                sink,
                reason);
        String message = "pipeline '" + pipeline + "': checkpoint " + marker.checkpointId() + " in '" + sink
                + "' rolled back: " + reason;
        return partitionMoved ? new PartitionFencedException(message, null) : new FencedException(message, null);
    }

    /** A committed checkpoint: its dead letters counted and logged, and a line of what it wrote. */
    void committed(
            Marker<?> marker, int records, DataTarget.Batch batch, List<DeadLetter<?>> dead, DataOutcome outcome) {
        int refused = batch.rejected().size() + outcome.rejected().size();
        if (refused > 0) {
            deadLettered.increment(refused);
            List<DeadLetter<?>> all = new ArrayList<>(batch.rejected());
            all.addAll(outcome.rejected());
            COMMIT.warn(
                    "pipeline={} checkpoint={} sink={} dead-lettered {} records, first {}",
                    pipeline,
                    marker.checkpointId(),
                    sink,
                    refused,
                    all.get(0));
            for (DeadLetter<?> deadLetter : all) {
                COMMIT.debug(
                        "pipeline={} checkpoint={} sink={} dead-lettered {}",
                        pipeline,
                        marker.checkpointId(),
                        sink,
                        deadLetter);
            }
        }
        COMMIT.debug(
                "pipeline={} checkpoint={} sink={} committed records={} rows={} statements={} stateChanges={}"
                        + " deadLetters={} positions={}",
                pipeline,
                marker.checkpointId(),
                sink,
                records,
                outcome.rows(),
                outcome.statements(),
                marker.stateChanges().size(),
                dead.size() + refused,
                marker.positions());
    }
}
