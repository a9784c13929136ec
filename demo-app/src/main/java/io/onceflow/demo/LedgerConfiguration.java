package io.onceflow.demo;

import io.micrometer.core.instrument.MeterRegistry;
import io.onceflow.core.Pipeline;
import io.r2dbc.spi.ConnectionFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;

/**
 * The ledger's beans: the Kafka cluster and topics, the pipeline and what runs it, the audit, the load generator and
 * the batch. The PostgreSQL connection pool is Spring Boot's ({@code spring.r2dbc.*}, or the embedded server of
 * {@link EmbeddedPostgresConfiguration}); the meter registry is Boot's, which {@code /actuator/prometheus} exports.
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
    KafkaCluster kafkaCluster() {
        return KafkaCluster.connect(properties.kafka());
    }

    @Bean
    LedgerTopics ledgerTopics(KafkaCluster kafka) {
        return LedgerTopics.create(kafka, properties.kafka());
    }

    @Bean
    BalancesTable balancesTable(ConnectionFactory database) {
        return new BalancesTable(DatabaseClient.create(database));
    }

    @Bean
    Pipeline ledgerPipeline(KafkaCluster kafka, LedgerTopics topics, ConnectionFactory database, MeterRegistry meters) {
        return LedgerPipeline.assemble(properties.pipeline(), kafka, topics, database, meters);
    }

    @Bean
    PipelineRunner pipelineRunner(Pipeline ledgerPipeline, BalancesTable table) {
        return new PipelineRunner(
                ledgerPipeline,
                table.create(),
                properties.demo().crashDowntime(),
                properties.pipeline().maxCheckpointAge());
    }

    @Bean
    PipelineHealthIndicator pipelineHealthIndicator(Pipeline ledgerPipeline, PipelineRunner runner) {
        return new PipelineHealthIndicator(
                ledgerPipeline, runner, properties.pipeline().maxCheckpointAge());
    }

    @Bean(destroyMethod = "close")
    PaymentPublisher paymentPublisher(KafkaCluster kafka, LedgerTopics topics) {
        return new PaymentPublisher(kafka, topics.payments());
    }

    @Bean
    LoadGenerator loadGenerator(PaymentPublisher publisher) {
        DemoProperties.Demo demo = properties.demo();
        return new LoadGenerator(publisher, demo.generator(), demo.generator().enabled() && !demo.batch());
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
            Pipeline ledgerPipeline, PipelineRunner runner, MeterRegistry meters, AuditService audit) {
        return new PipelineMonitor(
                ledgerPipeline,
                runner,
                meters,
                LedgerPipeline.LEDGER_SINK,
                properties.demo().crashEnabled(),
                audit);
    }

    @Bean
    BatchRun batchRun(
            LoadGenerator generator,
            PipelineRunner runner,
            Pipeline ledgerPipeline,
            LedgerAuditor auditor,
            AuditService audit) {
        return new BatchRun(properties.demo(), generator, runner, ledgerPipeline, auditor, audit, System.out);
    }
}
