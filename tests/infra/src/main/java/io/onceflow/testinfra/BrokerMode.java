package io.onceflow.testinfra;

import java.util.Locale;

/** How a {@link KafkaBroker} is run. */
public enum BrokerMode {
    /**
     * Testcontainers when a Docker daemon answers, else {@link #IN_PROCESS}; the system property
     * {@code onceflow.test.kafka} (in-process, child-process, container) overrides the choice.
     */
    AUTO,
    /** {@code KafkaClusterTestKit} inside the test JVM: the fastest to start, but it cannot be killed. */
    IN_PROCESS,
    /** {@code kafka.Kafka} in a child JVM that can be SIGKILLed, restarted on the same data and ports, paused. */
    CHILD_PROCESS,
    /** Testcontainers' {@code apache/kafka} image; tests that ask for it are skipped when Docker does not answer. */
    CONTAINER;

    /** The mode AUTO stands for on this machine; any other mode stands for itself. */
    BrokerMode resolve() {
        if (this != AUTO) {
            return this;
        }
        String configured = Settings.get("onceflow.test.kafka", "auto");
        return switch (configured.toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "in-process" -> IN_PROCESS;
            case "child-process" -> CHILD_PROCESS;
            case "container" -> CONTAINER;
            case "auto" -> Docker.isAvailable() ? CONTAINER : IN_PROCESS;
            default ->
                throw new IllegalArgumentException("onceflow.test.kafka=" + configured
                        + " is not one of auto, in-process, child-process, container");
        };
    }
}
