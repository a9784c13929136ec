package io.onceflow.spring;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;
import reactor.core.publisher.Mono;

/**
 * One pipeline's health, a component of {@code onceflow} at {@code /actuator/health}
 * ({@code components.onceflow.components.<pipeline>}).
 *
 * <table>
 *   <caption>Status by state</caption>
 *   <tr><th>state</th><th>status</th></tr>
 *   <tr><td>RUNNING, last checkpoint (or the start, before the first) no older than
 *       {@code onceflow.pipeline.max-checkpoint-age}</td><td>UP</td></tr>
 *   <tr><td>RUNNING with an older one; RESTARTING; FAILED; ABORTED</td><td>DOWN</td></tr>
 *   <tr><td>STOPPING, STOPPED</td><td>OUT_OF_SERVICE</td></tr>
 *   <tr><td>COMPLETED (its source ended)</td><td>UP</td></tr>
 *   <tr><td>NOT_STARTED, STARTING</td><td>UNKNOWN</td></tr>
 * </table>
 *
 * <p>An idle pipeline stays UP: the runner checkpoints it when nothing else has for a third of the maximum age, so an
 * old checkpoint means a stuck one. The details say why, with the last checkpoint, its age and the restarts.
 */
final class PipelineHealthIndicator implements ReactiveHealthIndicator {

    private final ManagedPipeline pipeline;

    PipelineHealthIndicator(ManagedPipeline pipeline) {
        this.pipeline = pipeline;
    }

    @Override
    public Mono<Health> health() {
        return Mono.fromSupplier(this::check);
    }

    Health check() {
        PipelineReport report = pipeline.report(0);
        Health.Builder health = Health.unknown()
                .withDetail("state", report.state().name())
                .withDetail("lastCompletedCheckpoint", report.lastCompletedCheckpoint())
                .withDetail("lastCheckpointAgeMillis", report.lastCheckpointAgeMillis())
                .withDetail("maxCheckpointAgeMillis", report.maxCheckpointAgeMillis())
                .withDetail("restarts", report.restarts());
        if (report.lastError() != null) {
            health.withDetail("lastError", report.lastError());
        }
        switch (report.state()) {
            case NOT_STARTED:
                return health.withDetail("reason", "not started yet").build();
            case STARTING:
                return health.withDetail("reason", "preparing to start").build();
            case RESTARTING:
                return health.down()
                        .withDetail("reason", "restarting after a failed run")
                        .build();
            case FAILED:
                return health.down()
                        .withDetail("reason", "gave up: it no longer runs")
                        .build();
            case ABORTED:
                return health.down().withDetail("reason", "stopped abruptly").build();
            case STOPPING:
            case STOPPED:
                return health.status(Status.OUT_OF_SERVICE)
                        .withDetail("reason", "stopped")
                        .build();
            case COMPLETED:
                return health.up().withDetail("reason", "its source completed").build();
            case RUNNING:
            default:
                return running(report, health);
        }
    }

    private Health running(PipelineReport report, Health.Builder health) {
        long maxAge = report.maxCheckpointAgeMillis();
        if (report.lastCheckpointAgeMillis() >= 0) {
            return report.lastCheckpointAgeMillis() > maxAge
                    ? health.down()
                            .withDetail("reason", "the last completed checkpoint is older than " + maxAge + " ms")
                            .build()
                    : health.up().build();
        }
        long running = report.runningSince() < 0 ? 0 : pipeline.now() - report.runningSince();
        return running > maxAge
                ? health.down()
                        .withDetail("reason", "no checkpoint completed in the " + maxAge + " ms since it started")
                        .build()
                : health.up().build();
    }
}
