package io.onceflow.testinfra;

import java.util.Map;

/**
 * A real single-node KRaft Kafka broker for tests, with transactions enabled (replication factor 1 everywhere).
 *
 * <p>Get one injected with {@link WithKafka @WithKafka}, or start one yourself with {@link #start(BrokerMode)} (then
 * close it). Topics are not auto-created: create them with {@link #createTopic}.
 *
 * <p>The chaos methods ({@link #kill()}, {@link #restart()}, {@link #pause()}, {@link #resume()}) work only where
 * {@link #isKillable()} is true, that is in {@link BrokerMode#CHILD_PROCESS}; elsewhere they throw
 * {@link UnsupportedOperationException}.
 */
public interface KafkaBroker extends AutoCloseable {

    /** Starts a broker and waits until it answers; {@link BrokerMode#AUTO} is resolved first. */
    static KafkaBroker start(BrokerMode mode) {
        return switch (mode.resolve()) {
            case IN_PROCESS -> InProcessKafkaBroker.start();
            case CHILD_PROCESS -> ChildProcessKafkaBroker.start();
            case CONTAINER -> ContainerKafkaBroker.start();
            case AUTO -> throw new IllegalStateException("AUTO resolves to a concrete mode");
        };
    }

    /** The mode this broker actually runs in (never {@link BrokerMode#AUTO}). */
    BrokerMode mode();

    /** The value for {@code bootstrap.servers}; stable across {@link #restart()}. */
    String bootstrapServers();

    /** Creates a topic with replication factor 1 and waits until every partition has a leader. */
    default void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /**
     * Creates a topic with replication factor 1 and the given topic configs (for example
     * {@code cleanup.policy=compact}), and waits until every partition has a leader.
     */
    void createTopic(String name, int partitions, Map<String, String> config);

    /** Creates a log-compacted topic ({@code cleanup.policy=compact}). */
    default void createCompactedTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of("cleanup.policy", "compact"));
    }

    /** True when this broker can be killed, restarted, paused and resumed. */
    boolean isKillable();

    /** Kills the broker with SIGKILL, like {@code kill -9}: no controlled shutdown, no flush. Returns once it is dead. */
    void kill();

    /**
     * Starts the broker again on the same data directory and ports, and waits until it answers; a broker that is
     * still running is killed first. Clients keep their bootstrap servers.
     */
    void restart();

    /** Freezes the broker process with SIGSTOP: connections stay open but nothing answers. */
    void pause();

    /** Thaws a {@link #pause() paused} broker with SIGCONT. */
    void resume();

    /** Stops the broker and removes its data. Idempotent. */
    @Override
    void close();
}
