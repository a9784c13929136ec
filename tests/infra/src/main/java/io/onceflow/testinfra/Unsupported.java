package io.onceflow.testinfra;

/** Uniform messages for operations a service cannot perform in its current mode. */
final class Unsupported {
    private Unsupported() {}

    static UnsupportedOperationException chaos(BrokerMode mode, String operation) {
        return new UnsupportedOperationException("cannot " + operation + " a Kafka broker running " + mode
                + "; use @WithKafka(mode = BrokerMode.CHILD_PROCESS) for kill/restart/pause/resume");
    }
}
