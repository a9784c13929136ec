package io.onceflow.demo;

import io.micrometer.core.instrument.MeterRegistry;
import io.onceflow.core.Pipeline;
import io.onceflow.spring.OnceflowKafka;
import io.onceflow.spring.OnceflowPipelines;
import io.onceflow.spring.OnceflowPostgres;
import io.onceflow.spring.OnceflowRunner;
import io.onceflow.spring.PipelinePreparation;
import io.r2dbc.spi.ConnectionFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.r2dbc.core.DatabaseClient;

/**
 * The ledger's beans: the Kafka cluster and topics, the pipeline, the audit, the load generator, the crash button and
 * the batch. Onceflow's auto-configuration (reactive-spring) runs the pipeline, stops it with a final checkpoint,
 * checkpoints it when idle, reports its health and binds its meters; the PostgreSQL connection pool is Spring Boot's
 * ({@code spring.r2dbc.*}, or the embedded server of {@link EmbeddedPostgresConfiguration}); the meter registry is
 * Boot's, which {@code /actuator/prometheus} exports.
 *
 * @since 0.1
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(DemoProperties.class)
class LedgerConfiguration {

    private final DemoProperties properties;

    /** Binding the properties first means a wrong setting stops start-up before any server starts. */
    LedgerConfiguration(DemoProperties properties) {
        this.properties = properties;
    }

    @Bean(destroyMethod = "close")
    KafkaCluster kafkaCluster(Environment environment) {
        return KafkaCluster.connect(OnceflowKafka.from(environment));
    }

    /** The cluster for Onceflow's sources and sinks: the configured one, or the embedded broker. */
    @Bean
    OnceflowKafka onceflowKafka(KafkaCluster kafka) {
        return kafka.onceflowKafka();
    }

    @Bean
    LedgerTopics ledgerTopics(KafkaCluster kafka) {
        return LedgerTopics.create(kafka, properties.kafka());
    }

    @Bean
    BalancesTable balancesTable(ConnectionFactory database) {
        return new BalancesTable(DatabaseClient.create(database));
    }

    /** The runner creates the balances table before it starts the pipeline. */
    @Bean
    PipelinePreparation balancesTableCreation(BalancesTable table) {
        return table::create;
    }

    @Bean
    Pipeline ledgerPipeline(
            OnceflowPipelines pipelines, OnceflowKafka kafka, LedgerTopics topics, OnceflowPostgres postgres) {
        return LedgerPipeline.assemble(pipelines, properties.pipelineName(), kafka, topics, postgres);
    }

    @Bean
    CrashInjector crashInjector(OnceflowRunner runner) {
        return new CrashInjector(runner.pipeline(properties.pipelineName()), properties.crashDowntime());
    }

    @Bean(destroyMethod = "close")
    PaymentPublisher paymentPublisher(KafkaCluster kafka, LedgerTopics topics) {
        return new PaymentPublisher(kafka.bootstrapServers(), topics.payments());
    }

    @Bean
    LoadGenerator loadGenerator(PaymentPublisher publisher) {
        return new LoadGenerator(
                publisher, properties.generator(), properties.generator().enabled() && !properties.batch());
    }

    @Bean
    LedgerAuditor ledgerAuditor(KafkaCluster kafka, LedgerTopics topics) {
        return new LedgerAuditor(kafka, topics);
    }

    @Bean
    AuditService auditService(LedgerAuditor auditor, BalancesTable table) {
        return new AuditService(auditor, table);
    }

    @Bean(destroyMethod = "close")
    PipelineMonitor pipelineMonitor(
            OnceflowRunner runner, CrashInjector crashes, MeterRegistry meters, AuditService audit) {
        return new PipelineMonitor(
                runner.pipeline(properties.pipelineName()),
                crashes,
                meters,
                LedgerPipeline.LEDGER_SINK,
                properties.crashEnabled(),
                audit);
    }

    @Bean
    BatchRun batchRun(
            LoadGenerator generator,
            CrashInjector crashes,
            Pipeline ledgerPipeline,
            LedgerAuditor auditor,
            AuditService audit) {
        return new BatchRun(properties, generator, crashes, ledgerPipeline, auditor, audit, System.out);
    }
}
