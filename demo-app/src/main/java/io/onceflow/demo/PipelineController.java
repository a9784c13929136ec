package io.onceflow.demo;

import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The pipeline: {@code GET /pipeline} (state, last checkpoint, lag, restarts, throughput), {@code GET /pipeline/events}
 * (server-sent events: {@code checkpoint} for the recent checkpoints then each new one, {@code status} every second
 * with the audit), and
 * {@code POST /pipeline/crash}, which kills it abruptly to show that it recovers exactly (403 unless
 * {@code onceflow.demo.crash-enabled} is true); and {@code GET /audit}.
 *
 * <p>The crash takes a JSON request ({@code Content-Type: application/json}, the body may be {@code {}}): a header an
 * HTML form cannot send, and that a script of another site can only send after a CORS preflight this server does not
 * answer, so that a page elsewhere cannot crash the pipeline through a visitor's browser (a {@code text/plain} or form
 * POST is 415).
 *
 * @since 0.1
 */
@RestController
class PipelineController {

    private final PipelineMonitor monitor;
    private final CrashInjector crashes;
    private final AuditService audit;
    private final boolean crashEnabled;

    PipelineController(PipelineMonitor monitor, CrashInjector crashes, AuditService audit, DemoProperties properties) {
        this.monitor = monitor;
        this.crashes = crashes;
        this.audit = audit;
        this.crashEnabled = properties.crashEnabled();
    }

    @GetMapping("/pipeline")
    Mono<PipelineView> pipeline() {
        return Mono.fromSupplier(monitor::view);
    }

    @GetMapping(path = "/pipeline/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    Flux<ServerSentEvent<?>> events() {
        return monitor.events();
    }

    @PostMapping(path = "/pipeline/crash", consumes = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<Map<String, Long>>> crash() {
        if (!crashEnabled) {
            return Mono.error(new CrashDisabledException());
        }
        return crashes.crash().map(crashes -> ResponseEntity.accepted().body(Map.of("crashes", crashes)));
    }

    @GetMapping("/audit")
    Mono<Audit> audit() {
        return audit.audit();
    }
}
