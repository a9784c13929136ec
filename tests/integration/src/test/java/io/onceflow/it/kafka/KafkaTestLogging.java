package io.onceflow.it.kafka;

/**
 * Keeps Kafka's clients and broker at WARN in the Kafka integration tests, and Onceflow's own loggers at INFO.
 *
 * <p>slf4j-simple reads a logger's level from system properties when the logger is created, so setting them in a
 * test class's static initializer (before the broker and the clients create theirs) is enough, without a
 * {@code simplelogger.properties} that the module's other tests would share.
 */
final class KafkaTestLogging {

    private KafkaTestLogging() {}

    static void quiet() {
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.kafka", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.state.change.logger", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.reactor.kafka", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.io.onceflow", "info");
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
    }
}
