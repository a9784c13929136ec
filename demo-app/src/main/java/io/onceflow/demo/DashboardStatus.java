package io.onceflow.demo;

/**
 * What {@code GET /pipeline/events} sends every second (event {@code status}): the pipeline and the audit.
 *
 * @param pipeline the pipeline's state and throughput
 * @param audit the audit
 * @since 0.1
 */
public record DashboardStatus(PipelineView pipeline, Audit audit) {}
