package io.onceflow.testinfra;

/**
 * A stand-in test JVM for {@link OrphanReaperTest}: starts a child broker, prints its pid, and waits to be killed.
 */
final class BrokerOwnerMain {
    static final String PID_PREFIX = "BROKER_PID=";

    private BrokerOwnerMain() {}

    public static void main(String[] args) throws Exception {
        KafkaBroker broker = KafkaBroker.start(BrokerMode.CHILD_PROCESS);
        System.out.println(PID_PREFIX + ((ChildProcessKafkaBroker) broker).pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
