package io.onceflow.testinfra;

import java.util.Locale;
import java.util.Map;

/**
 * What the brokers that cannot be killed and brought back share: the in-process one (it shares the test's JVM) and
 * the container (Docker gives it another host port after a kill). Their chaos operations throw, naming the mode to
 * use instead, and their topics are created through the admin client at their fixed bootstrap servers.
 */
abstract class UnkillableKafkaBroker implements KafkaBroker {

    private final String bootstrapServers;
    private boolean closed;

    UnkillableKafkaBroker(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    @Override
    public final String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public final void createTopic(String name, int partitions, Map<String, String> config) {
        KafkaAdmin.createTopic(bootstrapServers, name, partitions, config);
    }

    @Override
    public final boolean isKillable() {
        return false;
    }

    @Override
    public final void kill() {
        throw Unsupported.chaos(mode(), "kill");
    }

    @Override
    public final void restart() {
        throw Unsupported.chaos(mode(), "restart");
    }

    @Override
    public final void pause() {
        throw Unsupported.chaos(mode(), "pause");
    }

    @Override
    public final void resume() {
        throw Unsupported.chaos(mode(), "resume");
    }

    /** Stops the broker once, however often it is called. */
    @Override
    public final synchronized void close() {
        if (!closed) {
            closed = true;
            stop();
        }
    }

    /** Stops the broker and removes its data; called once. */
    abstract void stop();

    /** {@code KafkaBroker[in-process, 127.0.0.1:port]}: the mode's name and where it listens. */
    @Override
    public final String toString() {
        return "KafkaBroker[" + mode().name().toLowerCase(Locale.ROOT).replace('_', '-') + ", " + bootstrapServers
                + "]";
    }
}
