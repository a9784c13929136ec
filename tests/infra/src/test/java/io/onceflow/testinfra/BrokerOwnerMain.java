package io.onceflow.testinfra;

/**
 * A stand-in test JVM for {@link OrphanReaperTest}: starts a child broker, prints its pid, and waits to be killed.
 */
final class BrokerOwnerMain {
    static final String PID_PREFIX = "BROKER_PID=";
    static final String STARTED = "OWNER_STARTED";

    private BrokerOwnerMain() {}

    public static void main(String[] args) throws Exception {
        // tells a test that times out whether this JVM was slow to start or its broker was
        System.out.println(STARTED + " pid=" + ProcessHandle.current().pid());
        System.out.flush();
        KafkaBroker broker = KafkaBroker.start(BrokerMode.CHILD_PROCESS);
        System.out.println(PID_PREFIX + ((ChildProcessKafkaBroker) broker).pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
