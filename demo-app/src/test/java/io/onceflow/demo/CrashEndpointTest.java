package io.onceflow.demo;

import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Mono;

/**
 * With the crash button enabled, only a JSON request crashes the pipeline: what an HTML form of another site can send
 * through a visitor's browser ({@code text/plain}, a form, a multipart form, no body) is 415 and crashes nothing.
 */
@WebFluxTest(controllers = PipelineController.class, properties = "onceflow.demo.crash-enabled=true")
class CrashEndpointTest {

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

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"})
    void aRequestAFormCanSendIs415AndCrashesNothing(String contentType) {
        web.post()
                .uri("/pipeline/crash")
                .header(HttpHeaders.CONTENT_TYPE, contentType)
                .header(HttpHeaders.ORIGIN, "https://elsewhere.example")
                .bodyValue("{\"crash\":true}")
                .exchange()
                .expectStatus()
                .isEqualTo(415);
        verify(crashes, never()).crash();
    }

    @Test
    void aRequestWithoutABodyIs415AndCrashesNothing() {
        web.post().uri("/pipeline/crash").exchange().expectStatus().isEqualTo(415);
        verify(crashes, never()).crash();
    }

    @Test
    void aJsonRequestCrashesThePipeline() {
        when(crashes.crash()).thenReturn(Mono.just(1L));
        web.post()
                .uri("/pipeline/crash")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{}")
                .exchange()
                .expectStatus()
                .isAccepted()
                .expectBody()
                .jsonPath("$.crashes")
                .isEqualTo(1);
        verify(crashes, times(1)).crash();
    }

    @Test
    void aCrossSitePreflightIsNotAllowed() {
        web.options()
                .uri("/pipeline/crash")
                .header(HttpHeaders.ORIGIN, "https://elsewhere.example")
                .header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, "POST")
                .header(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
                .exchange()
                // no CORS allowance: the browser does not send the POST
                .expectHeader()
                .doesNotExist(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN);
        verify(crashes, never()).crash();
        verify(monitor, never()).view();
        verify(audit, never()).audit();
    }
}
