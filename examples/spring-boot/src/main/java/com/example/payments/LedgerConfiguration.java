package com.example.payments;

import io.onceflow.core.Pipeline;
import io.onceflow.core.Sink;
import io.onceflow.core.Source;
import io.onceflow.kafka.Json;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.onceflow.spring.OnceflowKafka;
import io.onceflow.spring.OnceflowPipelines;
import io.onceflow.spring.OnceflowPostgres;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The ledger: payments from Kafka, a balance per account, written to PostgreSQL exactly once. Onceflow's
 * auto-configuration runs the {@link Pipeline} bean with the application and stops it with a final checkpoint.
 */
@Configuration(proxyBeanMethods = false)
public class LedgerConfiguration {

    /** Payments from the {@code payments} topic of the cluster in {@code spring.kafka.bootstrap-servers}. */
    @Bean
    Source<Payment> payments(OnceflowKafka kafka) {
        return KafkaSource.create(kafka.sourceOptions()
                .topic("payments")
                .valueFormat(Json.of(Payment.class))
                .build());
    }

    /**
     * Balances into the {@code balances} table, through Boot's R2DBC pool ({@code spring.r2dbc.url}). The commit
     * point: each checkpoint's rows, the state and the Kafka offsets in one transaction.
     */
    @Bean
    Sink<Balance> balances(OnceflowPostgres postgres) {
        return R2dbcUpsertSink.create(postgres.<Balance>sinkOptions()
                .table("balances")
                .key("account")
                .columns(Balance::row)
                .commitPoint()
                .lastWriteWins(Balance::account) // per checkpoint, one row per account: its newest balance's
                .build());
    }

    /** The pipeline, with the {@code onceflow.pipeline.*} settings and the application's meter registry. */
    @Bean
    Pipeline ledger(OnceflowPipelines pipelines, Source<Payment> payments, Sink<Balance> balances) {
        return pipelines
                .pipeline("ledger")
                .from(payments)
                .filter(payment -> payment.amountCents() > 0)
                .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                .to(balances);
    }
}
