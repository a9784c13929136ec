package io.onceflow.spring;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A pipeline as the runner sees it now: what the {@code onceflow} endpoint answers, and what the health indicator
 * judges. Serializes to JSON as it reads.
 *
 * @param name the pipeline's name
 * @param instanceId this instance's id
 * @param state what the pipeline is doing
 * @param lastCompletedCheckpoint the id of the last completed checkpoint, 0 before the first
 * @param lastCompletedAt when it completed, epoch milliseconds by the pipeline's scheduler; -1 before the first
 * @param lastCheckpointAgeMillis how long ago it completed; -1 before the first
 * @param runningSince when the current run started, epoch milliseconds; -1 when none has
 * @param maxCheckpointAgeMillis the oldest the last checkpoint of a running pipeline may be
 *     ({@code onceflow.pipeline.max-checkpoint-age})
 * @param restarts restarts by the pipeline's restart policy, after failed runs, since the application started: the
 *     same count as the {@code onceflow.pipeline.restarts} meter
 * @param lastError the last failure, if any
 * @param recentCheckpoints the last checkpoints, oldest first
 * @since 0.1
 */
public record PipelineReport(
        String name,
        String instanceId,
        ManagedPipeline.State state,
        long lastCompletedCheckpoint,
        long lastCompletedAt,
        long lastCheckpointAgeMillis,
        long runningSince,
        long maxCheckpointAgeMillis,
        long restarts,
        @Nullable String lastError,
        List<CheckpointRecord> recentCheckpoints) {

    public PipelineReport {
        recentCheckpoints = List.copyOf(recentCheckpoints);
    }
}
