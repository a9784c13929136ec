package io.onceflow.demo;

import io.onceflow.core.Pipeline;
import io.onceflow.core.PipelineStatus;
import java.time.Duration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import reactor.core.publisher.Mono;

/**
 * The pipeline's health at {@code /actuator/health} (component {@code pipeline}): DOWN while it restarts (after a
 * failed checkpoint, or a crash), when it has stopped, or when its last completed checkpoint is older than
 * {@code onceflow.pipeline.max-checkpoint-age}; UP otherwise. The details say which, with the last checkpoint and its
 * age.
 *
 * <p>An idle pipeline stays UP: {@link PipelineRunner} forces a checkpoint when nothing else has for a while, so an
 * old checkpoint really means a stuck one.
 *
 * @since 0.1
 */
final class PipelineHealthIndicator implements ReactiveHealthIndicator {

    private final Pipeline pipeline;
    private final PipelineRunner runner;
    private final Duration maxAge;

    PipelineHealthIndicator(Pipeline pipeline, PipelineRunner runner, Duration maxAge) {
        this.pipeline = pipeline;
        this.runner = runner;
        this.maxAge = maxAge;
    }

    @Override
    public Mono<Health> health() {
        return Mono.fromSupplier(this::check);
    }

    private Health check() {
        PipelineStatus status = pipeline.status();
        long now = System.currentTimeMillis();
        long age = status.lastCompletedAtMillis() < 0 ? -1 : now - status.lastCompletedAtMillis();
        Health.Builder health = Health.unknown()
                .withDetail("state", runner.state())
                .withDetail("lastCompletedCheckpoint", status.lastCompletedCheckpoint())
                .withDetail("lastCheckpointAgeMillis", age)
                .withDetail("maxCheckpointAgeMillis", maxAge.toMillis())
                .withDetail("restarts", status.restarts())
                .withDetail("crashes", runner.crashes());
        status.error().ifPresent(error -> health.withDetail("lastError", error.toString()));
        if (runner.crashed()) {
            return health.down()
                    .withDetail("reason", "restarting after an injected crash")
                    .build();
        }
        switch (status.state()) {
            case RESTARTING:
                return health.down()
                        .withDetail("reason", "restarting after a failed checkpoint")
                        .build();
            case FAILED:
                return health.down()
                        .withDetail("reason", "stopped: the restart policy gave up")
                        .build();
            case IDLE:
            case STOPPED:
                return health.down().withDetail("reason", "not running").build();
            default:
                break;
        }
        long since = age >= 0 ? age : now - runner.startedAtMillis();
        if (since > maxAge.toMillis()) {
            return health.down()
                    .withDetail(
                            "reason",
                            age >= 0
                                    ? "the last completed checkpoint is older than " + maxAge.toSeconds() + " s"
                                    : "no checkpoint completed in the " + maxAge.toSeconds() + " s since start")
                    .build();
        }
        return health.up().build();
    }
}
