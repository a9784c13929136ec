package io.onceflow.testinfra;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Testcontainers' {@code apache/kafka} image, used when a Docker daemon answers.
 *
 * <p>A container cannot be brought back on the same host port after a kill, so it offers no chaos operations.
 */
final class ContainerKafkaBroker extends UnkillableKafkaBroker {
    private static final Logger log = LoggerFactory.getLogger(ContainerKafkaBroker.class);
    private static final String DEFAULT_IMAGE = "apache/kafka:4.1.2";

    private final KafkaContainer container;

    private ContainerKafkaBroker(KafkaContainer container) {
        super(container.getBootstrapServers());
        this.container = container;
    }

    static ContainerKafkaBroker start() {
        if (!Docker.isAvailable()) {
            throw new IllegalStateException("no Docker daemon answers: cannot start a Kafka container");
        }
        long start = System.nanoTime();
        String image = Settings.get("onceflow.test.kafka.image", DEFAULT_IMAGE);
        KafkaContainer container =
                new KafkaContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("apache/kafka"));
        // The image reads broker settings from KAFKA_* variables: dots become underscores.
        BrokerSettings.common()
                .forEach((key, value) -> container.withEnv(
                        "KAFKA_" + key.toUpperCase(Locale.ROOT).replace('.', '_'), value));
        try {
            container.start();
        } catch (RuntimeException e) {
            container.close();
            throw new IllegalStateException("the Kafka container (" + image + ") did not start", e);
        }
        ContainerKafkaBroker broker = new ContainerKafkaBroker(container);
        log.info(
                "Kafka broker (container {}) listening on {}, started in {} ms",
                image,
                broker.bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        return broker;
    }

    @Override
    public BrokerMode mode() {
        return BrokerMode.CONTAINER;
    }

    @Override
    void stop() {
        container.close();
        log.info("Kafka container at {} stopped", bootstrapServers());
    }
}
