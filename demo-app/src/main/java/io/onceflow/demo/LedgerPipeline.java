package io.onceflow.demo;

import io.onceflow.core.KeyPartitioner;
import io.onceflow.core.Keyed;
import io.onceflow.core.Pipeline;
import io.onceflow.kafka.KafkaPartitioners;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.kafka.KafkaTransactionalSink;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.onceflow.spring.OnceflowKafka;
import io.onceflow.spring.OnceflowPipelines;
import io.onceflow.spring.OnceflowPostgres;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The ledger job, the part of the demo to copy: payments in, validated, each payment id applied once, folded into a
 * running balance per account and currency, out to the ledger topic and the balances table, exactly once.
 *
 * <pre>
 *   payments ─▶ validate ─▶ deduplicate(account/id, 10 min) ─▶ keyed(account/currency): balance + payment ─┬▶ ledger
 *   (Kafka)        │              │                                │                                       │  topic
 *                  │              │ a repeated payment id          │ a payment read from another           └▶ balances
 *                  │              │                                │ partition than its account's              table
 *                  └──────────────┴─ dead letter ─▶ payments-dead-letters (in the same transaction) ◀─┘
 * </pre>
 *
 * <p>The ledger topic is the commit point: one Kafka transaction per checkpoint with the entries, the dead letters,
 * the state (balances and remembered payment ids) and the offsets. The balances table is idempotent: flushed first,
 * with version-guarded upserts.
 *
 * <p>State lives with the payments partition a record was read from, and the payments topic is keyed by account
 * ({@link PaymentPublisher}): an account's balances and payment ids are all in its partition. A valid payment produced
 * with another key, or none, to another partition is dead-lettered ({@code KeyPartitionException}), not folded into
 * a second balance of its account there.
 *
 * <p><strong>Commit Semantics</strong>: every payment read has exactly one effect on the ledger topic (as a
 * {@code read_committed} consumer sees it), on the dead-letter topic and on the balances table, however often the
 * pipeline crashes or restarts: a checkpoint that did not commit is replayed from the last committed offsets, balances
 * and payment ids, and the table's version columns make the replay's upserts change nothing.
 *
 * @since 0.1
 */
final class LedgerPipeline {

    /**
     * How long the ledger remembers a payment's account and id, in the payments topic's time (the broker's append
     * time): a payment repeated within it is a duplicate, dead-lettered; later, it would be applied again. A constant,
     * not a setting, so that a replay decides as the first run did. It bounds the remembered ids: about
     * {@code rate x 10 min} of them, 120,000 at the generator's 200 a second, a few tens of bytes each.
     */
    static final Duration DEDUPLICATION_RETENTION = Duration.ofMinutes(10);

    /** The Kafka sink's name in meters and logs: {@code onceflow_records_out_total{sink="ledger"}}. */
    static final String LEDGER_SINK = "ledger";

    /**
     * Which payments partition a balance's records are in: Kafka's default partitioner on the account, the record key
     * the payments are produced with.
     */
    static final KeyPartitioner<String> BY_ACCOUNT =
            KafkaPartitioners.bytes(balanceKey -> Balance.accountOf(balanceKey).getBytes(StandardCharsets.UTF_8));

    private LedgerPipeline() {}

    /**
     * Assembles the pipeline with the application's settings ({@code onceflow.pipeline.*}, the meter registry);
     * nothing connects until it runs.
     */
    static Pipeline assemble(
            OnceflowPipelines pipelines,
            String name,
            OnceflowKafka kafka,
            LedgerTopics topics,
            OnceflowPostgres postgres) {
        KafkaSource<PaymentMessage> payments = KafkaSource.create(kafka.sourceOptions()
                .topic(topics.payments())
                // unreadable JSON, or a field of the wrong type, becomes a dead letter, not a crash
                .valueFormat(PaymentJson.FORMAT)
                // a crashed instance's partitions go to the next one within seconds, not the default 45
                .consumerProperty("session.timeout.ms", 10_000)
                .consumerProperty("heartbeat.interval.ms", 1_000)
                .build());
        // made from its source: it commits the source's offsets in its transactions, in the source's group
        KafkaTransactionalSink<Balance> ledger = KafkaTransactionalSink.create(
                payments,
                kafka.sinkOptions()
                        .name(LEDGER_SINK)
                        .deadLetterTopic(topics.deadLetters())
                        // how long partitions of a killed instance can stay blocked by its open transaction
                        .transactionTimeout(Duration.ofSeconds(15))
                        // and what one transaction may hold: records wait (and an early checkpoint is taken) beyond it
                        .maxBufferedRecords(2_000)
                        .build(),
                balance -> KafkaRecord.of(topics.ledger(), balance.account(), balance.entry()));
        R2dbcUpsertSink<Balance> balances = R2dbcUpsertSink.create(postgres.<Balance>sinkOptions()
                .table(BalancesTable.NAME)
                .key("account", "currency")
                .columns(Balance::row)
                .idempotent()
                // one row per balance and checkpoint, the newest (the table needs only the last), made for it alone
                .lastWriteWins(Balance::rowKey)
                .build());
        return pipelines
                .pipeline(name)
                .from(payments)
                .map(PaymentRules::validate) // throws InvalidPaymentException: a dead letter
                .deduplicate("payment-ids", Payment::paymentKey, DEDUPLICATION_RETENTION)
                .keyed(Keyed.update(Payment::balanceKey, Balance::opening, Balance::apply)
                        .named("balances")
                        .partitionedBy(BY_ACCOUNT))
                .to(ledger, balances);
    }
}
