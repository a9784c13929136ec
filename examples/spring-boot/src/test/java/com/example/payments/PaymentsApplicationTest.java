package com.example.payments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.onceflow.core.Sink;
import io.onceflow.core.Source;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import io.onceflow.spring.CheckpointRecord;
import io.onceflow.spring.OnceflowRunner;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.context.bean.override.convention.TestBean;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The application with the pipeline's Kafka source and PostgreSQL sink replaced by Onceflow's test kit: the same
 * pipeline, runner, health, endpoint and events, without a server.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "onceflow.postgres.create-tables=false", // no database in this test
            "management.health.r2dbc.enabled=false",
            "onceflow.pipeline.checkpoint-every=200ms"
        })
@AutoConfigureWebTestClient
class PaymentsApplicationTest {

    static final TestSource<Payment> PAYMENTS = TestSource.create();
    static final InMemoryCommitPoint<Balance> BALANCES = InMemoryCommitPoint.create();

    @TestBean
    Source<Payment> payments;

    @TestBean
    Sink<Balance> balances;

    static Source<Payment> payments() {
        return PAYMENTS;
    }

    static Sink<Balance> balances() {
        return BALANCES;
    }

    @Autowired
    WebTestClient web;

    @Autowired
    OnceflowRunner runner;

    @Test
    void paymentsBecomeBalancesAndThePipelineIsObservable() {
        PAYMENTS.emit(new Payment("alice", 1250), new Payment("bob", 300), new Payment("alice", 50));
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(BALANCES.committed()).contains(new Balance("alice", 1300, 2)));

        web.get()
                .uri("/actuator/health")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.components.onceflow.components.ledger.status")
                .isEqualTo("UP");
        web.get()
                .uri("/actuator/onceflow/ledger")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.state")
                .isEqualTo("RUNNING");

        ServerSentEvent<CheckpointRecord> first = web.get()
                .uri("/ledger/checkpoints")
                .accept(MediaType.TEXT_EVENT_STREAM)
                .exchange()
                .returnResult(new ParameterizedTypeReference<ServerSentEvent<CheckpointRecord>>() {})
                .getResponseBody()
                .blockFirst(Duration.ofSeconds(30));
        assertThat(first.event()).isEqualTo("checkpoint");
        assertThat(first.data().completed()).isTrue();
        assertThat(runner.pipeline("ledger").report(0).restarts()).isZero();
    }
}
