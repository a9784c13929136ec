package io.onceflow.demo;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's Kafka cluster: the one {@code onceflow.kafka.bootstrap-servers} names, or else a broker embedded in this
 * JVM for the application's lifetime.
 *
 * @since 0.1
 */
final class KafkaCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaCluster.class);

    private final String bootstrapServers;
    private final @Nullable EmbeddedKafkaBroker embedded;

    private KafkaCluster(String bootstrapServers, @Nullable EmbeddedKafkaBroker embedded) {
        this.bootstrapServers = bootstrapServers;
        this.embedded = embedded;
    }

    /** The configured cluster, or a new embedded broker when none is configured; blocking, for start-up. */
    static KafkaCluster connect(DemoProperties.Kafka kafka) {
        if (kafka.configured()) {
            LOG.info("Kafka: using {} (onceflow.kafka.bootstrap-servers)", kafka.bootstrapServers());
            return new KafkaCluster(kafka.bootstrapServers(), null);
        }
        LOG.info("Kafka: onceflow.kafka.bootstrap-servers is not set, starting an embedded broker");
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        return new KafkaCluster(broker.bootstrapServers(), broker);
    }

    /** Where clients connect. */
    String bootstrapServers() {
        return bootstrapServers;
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
