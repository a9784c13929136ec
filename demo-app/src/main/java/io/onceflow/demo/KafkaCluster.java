package io.onceflow.demo;

import io.onceflow.spring.OnceflowKafka;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's Kafka cluster: the one Onceflow's properties name ({@code onceflow.kafka.bootstrap-servers}, or Spring
 * Boot's {@code spring.kafka.bootstrap-servers}), or else a broker embedded in this JVM for the application's lifetime.
 * Its {@link #onceflowKafka()} is what the pipeline's source and sink connect with.
 *
 * @since 0.1
 */
final class KafkaCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaCluster.class);

    private final OnceflowKafka kafka;
    private final @Nullable EmbeddedKafkaBroker embedded;

    private KafkaCluster(OnceflowKafka kafka, @Nullable EmbeddedKafkaBroker embedded) {
        this.kafka = kafka;
        this.embedded = embedded;
    }

    /** The configured cluster, or a new embedded broker when none is configured; blocking, for start-up. */
    static KafkaCluster connect(OnceflowKafka configured) {
        if (configured.configured()) {
            LOG.info("Kafka: using {} (onceflow.kafka.bootstrap-servers)", configured.bootstrapServers());
            return new KafkaCluster(configured, null);
        }
        LOG.info("Kafka: onceflow.kafka.bootstrap-servers is not set, starting an embedded broker");
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        return new KafkaCluster(configured.withBootstrapServers(broker.bootstrapServers()), broker);
    }

    /** Where clients connect. */
    String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** The cluster as Onceflow's sources and sinks take it. */
    OnceflowKafka onceflowKafka() {
        return kafka;
    }

    /** Whether the broker runs in this JVM. */
    boolean embedded() {
        return embedded != null;
    }

    @Override
    public void close() {
        if (embedded != null) {
            embedded.close();
        }
    }
}
