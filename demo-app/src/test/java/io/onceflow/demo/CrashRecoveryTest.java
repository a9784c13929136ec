package io.onceflow.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.onceflow.core.Pipeline;
import io.onceflow.core.PipelineStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The application with its load generator running (invalid payments included): the crash button is pressed three
 * times, each time in the middle of a checkpoint of a pipeline that has committed since it restarted. The audit,
 * polled all along, never finds an anomaly, and once the generator stops it is exact: one ledger entry per valid
 * payment, one dead letter per invalid one, every sum equal in the payments, the ledger topic and the table.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "onceflow.demo.crash-enabled=true",
            "onceflow.demo.generator.rate=300",
            "onceflow.demo.generator.accounts=40",
            "onceflow.demo.generator.invalid-share=0.05"
        })
@AutoConfigureWebTestClient
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class CrashRecoveryTest {

    @Autowired
    WebTestClient web;

    @Autowired
    Pipeline pipeline;

    @Autowired
    LoadGenerator generator;

    @Autowired
    PipelineMonitor monitor;

    @BeforeEach
    void patientClient() {
        // an audit reads three topics: seconds on a loaded machine, past the client's default of 5
        web = web.mutate().responseTimeout(Duration.ofSeconds(30)).build();
    }

    @Test
    void threeCrashesLeaveTheAuditExact() throws Exception {
        List<Audit> seen = new CopyOnWriteArrayList<>();
        List<Throwable> watchFailures = new CopyOnWriteArrayList<>();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> watch(seen, watching, watchFailures), "audit-watcher");
        watcher.start();
        long completedAtCrash = 0;
        long inFlightAtCrashes = 0;
        try {
            for (int crash = 1; crash <= 3; crash++) {
                long after = completedAtCrash;
                await("a checkpoint after restart " + (crash - 1))
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> running() && pipeline.status().lastCompletedCheckpoint() > after);
                // half an interval after a checkpoint: the open one holds read, uncommitted payments
                TimeUnit.MILLISECONDS.sleep(250);
                inFlightAtCrashes += audit().inFlight();
                web.post()
                        .uri("/pipeline/crash")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue("{}")
                        .exchange()
                        .expectStatus()
                        .isAccepted()
                        .expectBody()
                        .jsonPath("$.crashes")
                        .isEqualTo(crash);
                completedAtCrash = pipeline.status().lastCompletedCheckpoint();
            }
            long lastCrash = completedAtCrash;
            await("a checkpoint after the last restart")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> running() && pipeline.status().lastCompletedCheckpoint() > lastCrash);
        } finally {
            generator.stop();
        }

        Audit last = await("the exact audit")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(this::audit, Audit::exact);
        watching.set(false);
        watcher.join(TimeUnit.SECONDS.toMillis(10));

        assertThat(last.paymentsAccepted()).isGreaterThan(500);
        assertThat(last.ledgerEntries()).isEqualTo(last.paymentsAccepted());
        assertThat(last.paymentsInvalid()).isPositive();
        assertThat(last.deadLetters()).isEqualTo(last.paymentsInvalid());
        assertThat(last.duplicates()).isZero();
        assertThat(last.totals()).allSatisfy(t -> {
            assertThat(t.ledger()).isEqualByComparingTo(t.payments());
            assertThat(t.table()).isEqualByComparingTo(t.payments());
        });
        // the crashes hit payments whose effects were not committed yet: the next run redid them, once
        assertThat(inFlightAtCrashes).isPositive();
        assertThat(monitor.view().crashes()).isEqualTo(3);

        assertThat(seen)
                .as("audits while crashing (%d failed: %s)", watchFailures.size(), watchFailures)
                .hasSizeGreaterThan(10);
        assertThat(seen).allSatisfy(audit -> assertThat(audit.verdict()).isNotEqualTo(Audit.Verdict.BROKEN));
        for (int i = 1; i < seen.size(); i++) {
            assertThat(seen.get(i).ledgerEntries())
                    .as("ledger entries never go back")
                    .isGreaterThanOrEqualTo(seen.get(i - 1).ledgerEntries());
        }
    }

    private boolean running() {
        return monitor.view().state().equals(PipelineStatus.State.RUNNING.name());
    }

    private Audit audit() {
        return web.get()
                .uri("/audit")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(Audit.class)
                .returnResult()
                .getResponseBody();
    }

    /**
     * Audits every 200 ms until told to stop. An audit that fails (a timeout on a loaded machine) is no verdict: it is
     * counted and the watcher goes on, instead of dying with its first failure and leaving nothing seen (a CI run).
     */
    private void watch(List<Audit> seen, AtomicBoolean watching, List<Throwable> failures) {
        while (watching.get()) {
            try {
                seen.add(audit());
            } catch (Throwable failure) {
                failures.add(failure);
            }
            try {
                TimeUnit.MILLISECONDS.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
