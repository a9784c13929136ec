package io.onceflow.demo;

import org.jspecify.annotations.Nullable;

/**
 * What {@code GET /pipeline} answers: the pipeline's state, its last checkpoint, lag, restarts and throughput.
 *
 * @param name the pipeline's name
 * @param state the runner's state of the pipeline ({@code RUNNING}, {@code RESTARTING} after a failed run,
 *     {@code FAILED}, {@code STOPPED}, ...), or {@code CRASHED} while it is down after an injected crash
 * @param lastCheckpoint the id of the last completed checkpoint, 0 before the first
 * @param lastCheckpointAgeMillis how long ago it completed; -1 before the first
 * @param lag payments in the topic that no completed checkpoint covers yet; null while no partition is assigned
 * @param restarts restarts by the pipeline's restart policy after failed runs: the same count as the health's
 *     {@code restarts}, the endpoint's, and {@code onceflow_pipeline_restarts_total}. An injected crash is not a
 *     restart (the demo kills the run and starts a new one): it counts in {@code crashes}
 * @param crashes crashes injected with {@code POST /pipeline/crash} (or by the batch)
 * @param crashEnabled whether {@code POST /pipeline/crash} is enabled
 * @param paymentsPerSecond payments read per second, over the last second
 * @param entriesPerSecond ledger entries committed per second, over the last second
 * @param lastError the last failure, if any
 * @since 0.1
 */
public record PipelineView(
        String name,
        String state,
        long lastCheckpoint,
        long lastCheckpointAgeMillis,
        @Nullable Long lag,
        long restarts,
        long crashes,
        boolean crashEnabled,
        double paymentsPerSecond,
        double entriesPerSecond,
        @Nullable String lastError) {}
