package io.onceflow.spring;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import reactor.core.publisher.Mono;

/**
 * The {@code onceflow} Actuator endpoint: {@code GET /actuator/onceflow} lists every pipeline with its state and last
 * checkpoints, {@code GET /actuator/onceflow/{pipeline}} one of them, and {@code POST /actuator/onceflow/{pipeline}}
 * forces a checkpoint and answers with its outcome.
 *
 * <p>Like every endpoint but health, it is served over HTTP only once exposed
 * ({@code management.endpoints.web.exposure.include=onceflow}). Its access is read-only by default: the write
 * operation needs {@code management.endpoint.onceflow.access=unrestricted}.
 *
 * @since 0.1
 */
@Endpoint(id = "onceflow", defaultAccess = Access.READ_ONLY)
public final class OnceflowEndpoint {

    /** Checkpoints listed per pipeline. */
    static final int CHECKPOINTS = 10;

    private final OnceflowRunner runner;

    OnceflowEndpoint(OnceflowRunner runner) {
        this.runner = runner;
    }

    /** Every pipeline, by name. */
    @ReadOperation
    public Map<String, PipelineReport> pipelines() {
        Map<String, PipelineReport> reports = new LinkedHashMap<>();
        for (ManagedPipeline pipeline : runner.pipelines()) {
            reports.put(pipeline.name(), pipeline.report(CHECKPOINTS));
        }
        return reports;
    }

    /** One pipeline; 404 when there is none of that name. */
    @ReadOperation
    public @Nullable PipelineReport pipeline(@Selector String name) {
        ManagedPipeline pipeline = find(name);
        return pipeline == null ? null : pipeline.report(CHECKPOINTS);
    }

    /**
     * Forces a checkpoint of one pipeline and answers with its outcome (a failed checkpoint too); 400 when there is
     * no pipeline of that name, or it does not run.
     */
    @WriteOperation
    public Mono<CheckpointRecord> checkpoint(@Selector String name) {
        ManagedPipeline pipeline = find(name);
        if (pipeline == null) {
            return Mono.error(new InvalidEndpointRequestException(
                    "no pipeline called '" + name + "'", "no pipeline called '" + name + "'"));
        }
        return pipeline.checkpointNow()
                .map(event -> CheckpointRecord.of(event, pipeline.now()))
                .onErrorMap(
                        IllegalStateException.class,
                        e -> new InvalidEndpointRequestException(
                                e.getMessage(), "pipeline '" + name + "' is " + pipeline.state()));
    }

    private @Nullable ManagedPipeline find(String name) {
        return runner.pipelines().stream()
                .filter(p -> p.name().equals(name))
                .findFirst()
                .orElse(null);
    }
}
