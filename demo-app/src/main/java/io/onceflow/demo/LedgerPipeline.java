package io.onceflow.demo;

import io.onceflow.core.Pipeline;
import io.onceflow.kafka.Json;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.kafka.KafkaTransactionalSink;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.onceflow.spring.OnceflowKafka;
import io.onceflow.spring.OnceflowPipelines;
import io.onceflow.spring.OnceflowPostgres;
import java.time.Duration;

/**
 * The ledger job, the part of the demo to copy: payments in, validated, folded into a running balance per account and
 * currency, out to the ledger topic and the balances table, exactly once.
 *
 * <pre>
 *   payments ─▶ validate ─▶ keyed(account/currency): balance + payment ─┬▶ ledger topic     (commit point: one Kafka
 *   (Kafka)        │                                                     │   transaction per checkpoint with the
 *                  │                                                     │   entries, dead letters, state, offsets)
 *                  └ invalid: dead letter ─▶ payments-dead-letters      └▶ balances table   (idempotent: flushed
 *                                             (same transaction)             first, version-guarded upserts)
 * </pre>
 *
 * <p><strong>Commit Semantics</strong>: every payment read has exactly one effect on the ledger topic (as a
 * {@code read_committed} consumer sees it), on the dead-letter topic and on the balances table, however often the
 * pipeline crashes or restarts: a checkpoint that did not commit is replayed from the last committed offsets and
 * balances, and the table's version columns make the replay's upserts change nothing.
 *
 * @since 0.1
 */
final class LedgerPipeline {

    /** The Kafka sink's name in meters and logs: {@code onceflow_records_out_total{sink="ledger"}}. */
    static final String LEDGER_SINK = "ledger";

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
                .valueFormat(Json.of(PaymentMessage.class)) // unreadable JSON becomes a dead letter, not a crash
                // a crashed instance's partitions go to the next one within seconds, not the default 45
                .consumerProperty("session.timeout.ms", 10_000)
                .consumerProperty("heartbeat.interval.ms", 1_000)
                .build());
        KafkaTransactionalSink<Balance> ledger = KafkaTransactionalSink.create(
                kafka.sinkOptions()
                        .name(LEDGER_SINK)
                        .deadLetterTopic(topics.deadLetters())
                        // how long partitions of a killed instance can stay blocked by its open transaction
                        .transactionTimeout(Duration.ofSeconds(15))
                        .build(),
                balance -> KafkaRecord.of(topics.ledger(), balance.account(), balance.entry()));
        R2dbcUpsertSink<Balance> balances = R2dbcUpsertSink.create(postgres.<Balance>sinkOptions()
                .table(BalancesTable.NAME)
                .key("account", "currency")
                .columns(Balance::row)
                .idempotent()
                .lastWriteWins() // one row per balance and checkpoint: the table needs only the last
                .build());
        return pipelines
                .pipeline(name)
                .from(payments)
                .map(PaymentRules::validate) // throws InvalidPaymentException: a dead letter
                .keyed("balances", Payment::balanceKey, Balance::opening, Balance::apply)
                .to(ledger, balances);
    }
}
