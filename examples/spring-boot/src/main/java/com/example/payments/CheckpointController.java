package com.example.payments;

import io.onceflow.spring.CheckpointRecord;
import io.onceflow.spring.CheckpointServerSentEvents;
import io.onceflow.spring.OnceflowRunner;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;

/** {@code GET /ledger/checkpoints}: the ledger's recent checkpoints, then each new one, as server-sent events. */
@RestController
public class CheckpointController {

    private final OnceflowRunner runner;

    public CheckpointController(OnceflowRunner runner) {
        this.runner = runner;
    }

    @GetMapping(path = "/ledger/checkpoints", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    Flux<ServerSentEvent<CheckpointRecord>> checkpoints() {
        return CheckpointServerSentEvents.of(runner.pipeline("ledger"));
    }
}
