package io.onceflow.demo;

import static io.onceflow.demo.TopicWriter.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.onceflow.core.DuplicateRecordException;
import io.onceflow.core.KeyPartitionException;
import io.onceflow.kafka.DeadLetterHeaders;
import io.onceflow.kafka.Format;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

/**
 * Hostile records straight into the payments topic, on the application as it starts by default (the real embedded
 * broker and PostgreSQL, the load generator off): payments of an account produced with another key or none to other
 * partitions, repeated payment ids, number bombs, control characters, wrong types, null keys and values, a value near
 * the broker's limit. Each is dead-lettered with its reason, the account's balance chain and balances row stay right,
 * the pipeline runs on and the audit stays exact; the auditor counts a malformed dead letter as an anomaly and goes on,
 * and says when it has stopped.
 */
@SpringBootTest(properties = "onceflow.demo.generator.enabled=false")
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileTopicTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @Autowired
    KafkaCluster kafka;

    @Autowired
    LedgerTopics topics;

    @Autowired
    AuditService audits;

    @Autowired
    LedgerAuditor auditor;

    @Autowired
    BalancesTable balances;

    @Autowired
    PipelineMonitor monitor;

    private TopicWriter writer;
    private AuditExpectations partitioning;

    @BeforeAll
    void writer() {
        writer = new TopicWriter(kafka);
        partitioning =
                new AuditExpectations(topics.partitionsOf(topics.payments()), LedgerPipeline.DEDUPLICATION_RETENTION);
    }

    @AfterAll
    void closeWriter() {
        writer.close();
    }

    private static String payment(String id, String account, String amount, String currency) {
        return "{\"id\":\"" + id + "\",\"account\":\"" + account + "\",\"amount\":" + amount + ",\"currency\":\""
                + currency + "\"}";
    }

    private ConsumerRecord<byte[], byte[]> send(Integer partition, String key, String value) throws Exception {
        var sent = writer.write(topics.payments(), partition, key, value, List.of());
        return new ConsumerRecord<>(sent.topic(), sent.partition(), sent.offset(), utf8(key), utf8(value));
    }

    private Audit audit() {
        return audits.audit().block(Duration.ofSeconds(30)); // blocking-ok: the test thread
    }

    /** Waits for the exact audit with {@code more} payments dead-lettered since {@code before}. */
    private Audit exactWith(Audit before, long moreInvalid) {
        return await("the exact audit")
                .atMost(PATIENCE)
                .until(
                        this::audit,
                        audit -> audit.exact() && audit.deadLetters() == before.deadLetters() + moreInvalid);
    }

    /** The dead letters of the records at {@code origins} ({@code partition@offset}), by origin. */
    private Map<String, Map<String, String>> deadLettersOf(Set<String> origins) {
        return TopicProbe.readCommitted(kafka, topics.deadLetters()).stream()
                .map(record -> DeadLetterHeaders.read(record.headers()))
                .filter(headers -> origins.contains(headers.get(DeadLetterHeaders.ORIGIN_PARTITION) + "@"
                        + headers.get(DeadLetterHeaders.ORIGIN_OFFSET)))
                .collect(Collectors.toMap(
                        headers -> headers.get(DeadLetterHeaders.ORIGIN_PARTITION) + "@"
                                + headers.get(DeadLetterHeaders.ORIGIN_OFFSET),
                        headers -> headers));
    }

    private static String origin(ConsumerRecord<?, ?> record) {
        return record.partition() + "@" + record.offset();
    }

    @Test
    @Order(1)
    void aPaymentProducedToAnotherPartitionThanItsAccountsIsDeadLetteredAndTheAccountStaysRight() throws Exception {
        Audit before = audit();
        int partitions = topics.partitionsOf(topics.payments());
        int home = partitioning.home("acct-001");
        send(home, "acct-001", payment("w-1", "acct-001", "10.00", "EUR"));
        send(home, "acct-001", payment("w-2", "acct-001", "20.00", "EUR"));
        List<ConsumerRecord<byte[], byte[]>> misrouted = new ArrayList<>();
        for (int partition = 0; partition < partitions; partition++) {
            if (partition != home) {
                // valid payments of acct-001, produced with another key, and with none, to another partition
                misrouted.add(send(partition, "acct-002", payment("w-m" + partition, "acct-001", "1.00", "EUR")));
                misrouted.add(send(partition, null, payment("w-n" + partition, "acct-001", "1.00", "EUR")));
            }
        }
        send(home, "acct-001", payment("w-3", "acct-001", "5.00", "EUR"));

        Audit after = exactWith(before, misrouted.size());
        assertThat(after.paymentsMisrouted()).isEqualTo(before.paymentsMisrouted() + misrouted.size());
        assertThat(after.sequenceBreaks()).isZero();
        Balance row = balances.account("acct-001").blockFirst(Duration.ofSeconds(10)); // blocking-ok: the test thread
        assertThat(row).isNotNull();
        assertThat(row.balanceMinor()).isEqualTo(3_500);
        assertThat(row.payments()).isEqualTo(3);
        assertThat(row.lastPaymentId()).isEqualTo("w-3");
        Map<String, Map<String, String>> dead =
                deadLettersOf(misrouted.stream().map(HostileTopicTest::origin).collect(Collectors.toSet()));
        assertThat(dead).hasSize(misrouted.size());
        assertThat(dead.values()).allSatisfy(headers -> {
            assertThat(headers.get(DeadLetterHeaders.ERROR_CLASS)).isEqualTo(KeyPartitionException.class.getName());
            assertThat(headers.get(DeadLetterHeaders.ERROR_MESSAGE))
                    .contains("the key 'acct-001/EUR' belongs to partition " + home);
        });
    }

    @Test
    @Order(2)
    void aRepeatedPaymentIdIsDeadLetteredAsADuplicateAndAppliedOnce() throws Exception {
        Audit before = audit();
        int home = partitioning.home("acct-dup");
        send(home, "acct-dup", payment("d-1", "acct-dup", "7.00", "USD"));
        ConsumerRecord<byte[], byte[]> retry = send(home, "acct-dup", payment("d-1", "acct-dup", "7.00", "USD"));
        ConsumerRecord<byte[], byte[]> changed = send(home, "acct-dup", payment("d-1", "acct-dup", "9.00", "USD"));
        int other = partitioning.home("acct-other");
        send(other, "acct-other", payment("d-1", "acct-other", "1.00", "USD")); // another account's d-1

        Audit after = exactWith(before, 2);
        assertThat(after.paymentsRepeated()).isEqualTo(before.paymentsRepeated() + 2);
        Balance row = balances.account("acct-dup").blockFirst(Duration.ofSeconds(10)); // blocking-ok: the test thread
        assertThat(row).isNotNull();
        assertThat(row.balanceMinor()).isEqualTo(700);
        assertThat(row.payments()).isEqualTo(1);
        assertThat(deadLettersOf(Set.of(origin(retry), origin(changed))).values())
                .hasSize(2)
                .allSatisfy(headers -> {
                    assertThat(headers.get(DeadLetterHeaders.ERROR_CLASS))
                            .isEqualTo(DuplicateRecordException.class.getName());
                    assertThat(headers.get(DeadLetterHeaders.ERROR_MESSAGE))
                            .contains("'acct-dup/d-1' was first seen at payments-" + home);
                });
    }

    @Test
    @Order(3)
    void hostileRecordsAreEachDeadLetteredWithAShortReasonAndThePipelineRunsOn() throws Exception {
        Audit before = audit();
        int home = partitioning.home("acct-h");
        List<String> values = new ArrayList<>(List.of(
                payment("h-1", "acct-h", "-1e999999999", "EUR"),
                payment("h-2", "acct-h", "1e2147483647", "EUR"),
                payment("h-3", "acct-h", "-1e2147483647", "EUR"),
                payment("h-4", "acct-h", "\"-1e100000000\"", "EUR"),
                payment("h-\\u0000", "acct-h", "1.00", "EUR"),
                payment("h-6", "acct-\\u0000h", "1.00", "EUR"),
                payment("h-7", "acct-h", "1.00", "E\\u0000R"),
                "{\"id\":\"h-8\",\"account\":0,\"amount\":1,\"currency\":\"EUR\"}",
                "{\"id\":\"h-9\",\"account\":true,\"amount\":1,\"currency\":\"EUR\"}",
                "{\"id\":\"h-10\",\"account\":1e400,\"amount\":1,\"currency\":\"EUR\"}",
                "{\"id\":\"h-11\",\"account\":\"acct-h\",\"amount\":true,\"currency\":\"EUR\"}",
                "{\"id\":\"h-12\",\"account\":\"acct-h\",\"account\":\"acct-x\",\"amount\":1,\"currency\":\"EUR\"}",
                "{\"id\":{\"nested\":{\"deeper\":[1,2,3]}},\"account\":\"acct-h\",\"amount\":1,\"currency\":\"EUR\"}",
                "{\"id\":\"h-14\",\"account\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}",
                "[1,2,3]",
                "null",
                "",
                "{\"id\":\"h-18\",\"account\":\"acct-h\",\"amount\":1,\"currency\":\"EUR\"} trailing",
                "{\"id\":\"" + "x".repeat(900_000) + "\",\"account\":\"acct-h\",\"amount\":1,\"currency\":\"EUR\"}",
                "\u0000\u0001\u0002 not json at all"));
        List<ConsumerRecord<byte[], byte[]>> sent = new ArrayList<>();
        for (String value : values) {
            sent.add(send(home, "acct-h", value));
        }
        sent.add(send(home, null, null)); // a null value with a null key
        sent.add(send(home, "acct-h", null)); // a tombstone
        var invalidUtf8 = writer.send(
                        topics.payments(),
                        home,
                        new byte[] {(byte) 0xC3, 0x28},
                        new byte[] {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xFF, (byte) 0xFE, '"', '}'},
                        List.of())
                .get();
        sent.add(new ConsumerRecord<>(topics.payments(), invalidUtf8.partition(), invalidUtf8.offset(), null, null));
        send(home, "acct-h", payment("h-ok", "acct-h", "1.00", "EUR")); // and a valid one after them all

        Audit after = exactWith(before, sent.size());
        assertThat(after.paymentsAccepted()).isEqualTo(before.paymentsAccepted() + 1);
        Map<String, Map<String, String>> dead =
                deadLettersOf(sent.stream().map(HostileTopicTest::origin).collect(Collectors.toSet()));
        assertThat(dead).hasSize(sent.size());
        assertThat(dead.values()).allSatisfy(headers -> {
            String message = headers.get(DeadLetterHeaders.ERROR_MESSAGE);
            assertThat(message).isNotBlank().hasSizeLessThan(1_000);
            assertThat(message.chars().filter(c -> c < 0x20 && c != '\n')).isEmpty();
        });
        assertThat(monitor.view().state()).isEqualTo("RUNNING");
        assertThat(monitor.view().restarts()).isZero();
    }

    @Test
    @Order(4)
    void anAuditorThatStopsSaysSo() throws Exception {
        Format<PaymentMessage> runsOutOfMemory = new Format<>() {
            @Override
            public PaymentMessage decode(byte[] bytes) {
                if (new String(bytes, StandardCharsets.UTF_8).contains("exhausting")) {
                    throw new OutOfMemoryError("Java heap space (a test's)");
                }
                return PaymentJson.FORMAT.decode(bytes);
            }

            @Override
            public byte[] encode(PaymentMessage value) {
                return PaymentJson.FORMAT.encode(value);
            }
        };
        LedgerAuditor second = new LedgerAuditor(kafka, topics, runsOutOfMemory);
        second.start();
        try {
            send(0, null, "{\"exhausting\": true}");
            LedgerAuditState.LedgerCounts counts = await("the second auditor stopped")
                    .atMost(PATIENCE)
                    .until(second::counts, c -> c.stoppedBecause() != null);
            assertThat(counts.stoppedBecause()).contains("OutOfMemoryError");
            assertThat(second.isRunning()).isFalse();
            Audit stopped = Audit.of(counts, new BalancesTable.Totals(Map.of(), 0));
            assertThat(stopped.verdict()).isEqualTo(Audit.Verdict.STOPPED);
            assertThat(stopped.auditorStopped()).contains("OutOfMemoryError");
        } finally {
            second.stop();
        }
        // the application's own auditor read the same record and goes on: an invalid payment, dead-lettered
        await().atMost(PATIENCE).until(() -> audit().exact());
    }

    @Test
    @Order(5)
    void aDeadLetterWithAMalformedOriginIsAnAnomalyAndTheAuditGoesOn() throws Exception {
        Audit before = audit();
        List<Header> malformed = List.of(
                new RecordHeader(DeadLetterHeaders.ORIGIN_TOPIC, utf8(topics.payments())),
                new RecordHeader(DeadLetterHeaders.ORIGIN_PARTITION, utf8("not-a-number")),
                new RecordHeader(DeadLetterHeaders.ORIGIN_OFFSET, utf8("12")));
        writer.write(topics.deadLetters(), 0, "x", "{}", malformed);
        writer.write(topics.deadLetters(), 0, "y", "{}", List.of()); // no origin at all
        Audit anomalies = await("the anomalies counted")
                .atMost(PATIENCE)
                .until(this::audit, audit -> audit.unreadable() == before.unreadable() + 2);
        assertThat(anomalies.verdict()).isEqualTo(Audit.Verdict.BROKEN);

        // and it goes on: a payment after them is counted and matched
        int home = partitioning.home("acct-after");
        send(home, "acct-after", payment("a-1", "acct-after", "1.00", "GBP"));
        await("the next payment matched")
                .atMost(PATIENCE)
                .until(
                        this::audit,
                        audit -> audit.paymentsAccepted() == before.paymentsAccepted() + 1 && audit.inFlight() == 0);
        assertThat(auditor.isRunning()).isTrue();
        assertThat(auditor.counts().stoppedBecause()).isNull();
    }
}
