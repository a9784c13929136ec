package io.onceflow.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The crash button is off unless {@code onceflow.demo.crash-enabled} is set: a web slice with the pipeline mocked,
 * since no server is needed to show that nothing is crashed.
 */
@WebFluxTest(controllers = PipelineController.class)
class CrashDisabledTest {

    @TestConfiguration
    @EnableConfigurationProperties(DemoProperties.class)
    static class Properties {}

    @Autowired
    WebTestClient web;

    /** Patient with a machine shared with other builds: a request may wait a few seconds for a CPU. */
    @BeforeEach
    void patientClient() {
        web = web.mutate().responseTimeout(Duration.ofSeconds(30)).build();
    }

    @MockitoBean
    PipelineMonitor monitor;

    @MockitoBean
    CrashInjector crashes;

    @MockitoBean
    AuditService audit;

    @Test
    void crashIs403AndTheRunnerIsNotTouched() {
        web.post()
                .uri("/pipeline/crash")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{}")
                .exchange()
                .expectStatus()
                .isForbidden()
                .expectHeader()
                .contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.title")
                .isEqualTo("Crash disabled")
                .jsonPath("$.detail")
                .value(String.class, detail -> assertThat(detail).contains("--onceflow.demo.crash-enabled=true"));
        verify(crashes, never()).crash();
    }

    @Test
    void pipelineSaysTheButtonIsOff() {
        when(monitor.view())
                .thenReturn(new PipelineView("ledger", "RUNNING", 7, 120, 3L, 0, 0, false, 10.0, 9.5, null));
        web.get()
                .uri("/pipeline")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.crashEnabled")
                .isEqualTo(false)
                .jsonPath("$.lastCheckpoint")
                .isEqualTo(7);
    }
}
