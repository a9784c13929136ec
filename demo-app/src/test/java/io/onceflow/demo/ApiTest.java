package io.onceflow.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Every endpoint through WebTestClient, on the application as it starts by default (embedded Kafka and PostgreSQL),
 * with the load generator off so that the test knows every payment in the topic.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"onceflow.demo.generator.enabled=false", "onceflow.demo.crash-enabled=true"})
@AutoConfigureWebTestClient
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApiTest {

    @Autowired
    WebTestClient web;

    /** Patient with a machine shared with other builds: a request may wait a few seconds for a CPU. */
    @BeforeEach
    void patientClient() {
        web = web.mutate().responseTimeout(Duration.ofSeconds(30)).build();
    }

    @Autowired
    KafkaCluster kafka;

    @Autowired
    LedgerTopics topics;

    @Test
    @Order(1)
    void aValidPaymentIsAcceptedAndReachesTheAccount() {
        long before = TopicProbe.records(kafka, topics.payments());
        web.post()
                .uri("/payments")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"account\":\"alice\",\"amount\":12.50,\"currency\":\"EUR\"}")
                .exchange()
                .expectStatus()
                .isAccepted()
                .expectHeader()
                .location("/accounts/alice")
                .expectBody()
                .jsonPath("$.id")
                .isNotEmpty()
                .jsonPath("$.account")
                .isEqualTo("alice")
                .jsonPath("$.offset")
                .isNumber();
        post("{\"account\":\"alice\",\"amount\":\"7.5\",\"currency\":\"EUR\"}")
                .expectStatus()
                .isAccepted();
        post("{\"account\":\"alice\",\"amount\":500,\"currency\":\"JPY\"}")
                .expectStatus()
                .isAccepted();
        assertThat(TopicProbe.records(kafka, topics.payments())).isEqualTo(before + 3);

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> web.get()
                        .uri("/accounts/alice")
                        .exchange()
                        .expectStatus()
                        .isOk()
                        .expectBody()
                        .jsonPath("$.account")
                        .isEqualTo("alice")
                        .jsonPath("$.balances[0].currency")
                        .isEqualTo("EUR")
                        .jsonPath("$.balances[0].balance")
                        .isEqualTo(20.0)
                        .jsonPath("$.balances[0].payments")
                        .isEqualTo(2)
                        .jsonPath("$.balances[1].currency")
                        .isEqualTo("JPY")
                        .jsonPath("$.balances[1].balance")
                        .isEqualTo(500));
    }

    @ParameterizedTest(name = "{0}")
    @Order(2)
    @CsvSource(
            delimiter = '|',
            value = {
                "malformed JSON             | {\"account\":\"alice\",                                   | body",
                "not an object              | [1,2]                                                    | body",
                "empty body                 | ''                                                       | body",
                "negative amount            | {\"account\":\"alice\",\"amount\":-5,\"currency\":\"EUR\"}       | amount",
                "zero amount                | {\"account\":\"alice\",\"amount\":0,\"currency\":\"EUR\"}        | amount",
                "missing amount             | {\"account\":\"alice\",\"currency\":\"EUR\"}                   | amount",
                "absurd amount              | {\"account\":\"alice\",\"amount\":1e30,\"currency\":\"EUR\"}     | amount",
                "amount not a number        | {\"account\":\"alice\",\"amount\":\"ten\",\"currency\":\"EUR\"}  | amount",
                "too many decimals          | {\"account\":\"alice\",\"amount\":1.005,\"currency\":\"EUR\"}    | amount",
                "unknown currency           | {\"account\":\"alice\",\"amount\":5,\"currency\":\"ZZZ\"}        | currency",
                "currency the ledger lacks  | {\"account\":\"alice\",\"amount\":5,\"currency\":\"CHF\"}        | currency",
                "missing currency           | {\"account\":\"alice\",\"amount\":5}                          | currency",
                "missing account            | {\"amount\":5,\"currency\":\"EUR\"}                          | account",
                "account with a space       | {\"account\":\"al ice\",\"amount\":5,\"currency\":\"EUR\"}      | account"
            })
    void badInputIs400NamingTheFieldAndNothingIsProduced(String name, String body, String field) {
        long before = TopicProbe.records(kafka, topics.payments());
        post(body)
                .expectStatus()
                .isBadRequest()
                .expectHeader()
                .contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.status")
                .isEqualTo(400)
                .jsonPath("$.detail")
                .value(String.class, detail -> assertThat(detail).contains(field + ":"))
                .jsonPath("$.errors[0].field")
                .isEqualTo(field)
                .jsonPath("$.errors[0].message")
                .isNotEmpty();
        assertThat(TopicProbe.records(kafka, topics.payments()))
                .as("records in the payments topic")
                .isEqualTo(before);
    }

    @Test
    @Order(3)
    void aBodyThatIsNotJsonIs415() {
        web.post()
                .uri("/payments")
                .contentType(MediaType.TEXT_PLAIN)
                .bodyValue("alice 5 EUR")
                .exchange()
                .expectStatus()
                .isEqualTo(415)
                .expectHeader()
                .contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    @Order(4)
    void accounts() {
        web.get()
                .uri("/accounts/nobody")
                .exchange()
                .expectStatus()
                .isNotFound()
                .expectBody()
                .jsonPath("$.title")
                .isEqualTo("Unknown account");
        web.get()
                .uri("/accounts/{id}", "no*such")
                .exchange()
                .expectStatus()
                .isBadRequest()
                .expectBody()
                .jsonPath("$.errors[0].field")
                .isEqualTo("id");
    }

    @Test
    @Order(5)
    void pipelineEventsAndAudit() {
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> web.get()
                        .uri("/pipeline")
                        .exchange()
                        .expectStatus()
                        .isOk()
                        .expectBody()
                        .jsonPath("$.name")
                        .isEqualTo("ledger")
                        .jsonPath("$.state")
                        .isEqualTo("RUNNING")
                        .jsonPath("$.lastCheckpoint")
                        .value(Integer.class, id -> assertThat(id).isPositive())
                        .jsonPath("$.crashEnabled")
                        .isEqualTo(true));

        // a dashboard that connects now draws the checkpoints so far at once, not an empty chart
        ServerSentEvent<String> first = web.get()
                .uri("/pipeline/events")
                .accept(MediaType.TEXT_EVENT_STREAM)
                .exchange()
                .expectStatus()
                .isOk()
                .returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() {})
                .getResponseBody()
                .blockFirst(Duration.ofSeconds(30));
        assertThat(first).isNotNull();
        assertThat(first.event()).isEqualTo("checkpoint");
        assertThat(first.id()).isEqualTo("1");

        List<ServerSentEvent<String>> events = web.get()
                .uri("/pipeline/events")
                .accept(MediaType.TEXT_EVENT_STREAM)
                .exchange()
                .expectStatus()
                .isOk()
                .returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() {})
                .getResponseBody()
                // a payment once the stream is open, from a thread of its own: the test client blocks
                .doOnSubscribe(s -> CompletableFuture.runAsync(
                        () -> post("{\"account\":\"bob\",\"amount\":1,\"currency\":\"USD\"}")
                                .expectStatus()
                                .isAccepted(),
                        CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS)))
                .filter(event -> "checkpoint".equals(event.event()) || "status".equals(event.event()))
                .scan(new ArrayList<ServerSentEvent<String>>(), (all, event) -> {
                    all.add(event);
                    return all;
                })
                .filter(all -> all.stream().anyMatch(e -> "checkpoint".equals(e.event()))
                        && all.stream().anyMatch(e -> "status".equals(e.event())))
                .map(List::copyOf)
                .blockFirst(Duration.ofSeconds(30));
        assertThat(events).isNotNull();
        assertThat(events.stream()
                        .filter(e -> "status".equals(e.event()))
                        .findFirst()
                        .orElseThrow()
                        .data())
                .contains("\"audit\"", "\"pipeline\"");
        assertThat(events.stream()
                        .filter(e -> "checkpoint".equals(e.event()))
                        .findFirst()
                        .orElseThrow()
                        .data())
                .contains("\"outcome\":\"COMPLETED\"");

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> web.get()
                        .uri("/audit")
                        .exchange()
                        .expectStatus()
                        .isOk()
                        .expectBody()
                        .jsonPath("$.verdict")
                        .isEqualTo("EXACT")
                        .jsonPath("$.paymentsAccepted")
                        .isEqualTo(4)
                        .jsonPath("$.ledgerEntries")
                        .isEqualTo(4)
                        .jsonPath("$.duplicates")
                        .isEqualTo(0));
    }

    @Test
    @Order(6)
    void crashKillsThePipelineAndItComesBack() {
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
        web.post()
                .uri("/pipeline/crash")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{}")
                .exchange()
                .expectStatus()
                .isEqualTo(409)
                .expectBody()
                .jsonPath("$.detail")
                .value(String.class, detail -> assertThat(detail).contains("down after a crash"));
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> web.get()
                        .uri("/pipeline")
                        .exchange()
                        .expectBody()
                        .jsonPath("$.state")
                        .isEqualTo("RUNNING")
                        .jsonPath("$.crashes")
                        .isEqualTo(1)
                        .jsonPath("$.restarts")
                        .isEqualTo(0)); // a crash is not a restart: one definition, as the health and meter say
        post("{\"account\":\"carol\",\"amount\":3,\"currency\":\"GBP\"}")
                .expectStatus()
                .isAccepted();
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> web.get()
                        .uri("/accounts/carol")
                        .exchange()
                        .expectStatus()
                        .isOk());
    }

    @Test
    @Order(7)
    void actuatorExposesHealthInfoAndPrometheusOnly() {
        web.get()
                .uri("/actuator/health")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.status")
                .isEqualTo("UP")
                .jsonPath("$.components.onceflow.components.ledger.status")
                .isEqualTo("UP")
                // details only for an authorized user: the pipeline's state is at /pipeline and /actuator/onceflow
                .jsonPath("$.components.onceflow.components.ledger.details")
                .doesNotExist()
                .jsonPath("$.components.r2dbc.status")
                .isEqualTo("UP");
        web.get()
                .uri("/actuator/info")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.app.name")
                .isEqualTo("Onceflow payments ledger");
        String prometheus = web.get()
                .uri("/actuator/prometheus")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        assertThat(prometheus)
                .contains("onceflow_checkpoint_duration_seconds_count{outcome=\"completed\",pipeline=\"ledger\"}")
                .contains("onceflow_records_out_total{pipeline=\"ledger\",sink=\"ledger\"}")
                .contains("onceflow_records_dead_lettered_total")
                .contains("onceflow_records_dropped_revoked_total{pipeline=\"ledger\",source=")
                .contains("onceflow_pipeline_running{pipeline=\"ledger\"} 1.0")
                .contains("onceflow_pipeline_restarts_total{pipeline=\"ledger\"} 0.0")
                .contains("onceflow_source_lag");
        web.get()
                .uri("/actuator/onceflow")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.ledger.state")
                .isEqualTo("RUNNING")
                .jsonPath("$.ledger.recentCheckpoints[0].outcome")
                .isEqualTo("COMPLETED");
        // read-only: forcing a checkpoint is not exposed
        web.post().uri("/actuator/onceflow/ledger").exchange().expectStatus().isEqualTo(405);
        for (String hidden : List.of("env", "beans", "metrics", "configprops", "shutdown")) {
            web.get().uri("/actuator/" + hidden).exchange().expectStatus().isNotFound();
        }
    }

    @Test
    @Order(8)
    void theDashboardIsServed() {
        web.get()
                .uri("/")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .value(html ->
                        assertThat(html).contains("onceflow", "dashboard.js").doesNotContain("https://", "http://"));
        for (String file : List.of("/dashboard.js", "/dashboard.css")) {
            web.get().uri(file).exchange().expectStatus().isOk();
        }
    }

    private WebTestClient.ResponseSpec post(String json) {
        return web.post()
                .uri("/payments")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(json)
                .exchange();
    }
}
