package io.onceflow.testinfra;

import java.io.PrintStream;
import java.lang.reflect.Method;

/**
 * Entry point of the child-JVM broker: formats the storage on first start, then runs {@code kafka.Kafka}.
 *
 * <p>Arguments: {@code <server.properties> [--format <cluster id>]}. Formatting here rather than in a JVM of its own
 * saves one JVM start (about a second and a half). Kafka is reached by reflection so that this class, which sits in
 * the infra jar, does not tie the infra's compilation to Kafka's Scala internals.
 *
 * <p>A watchdog halts this JVM as soon as its standard input reaches end-of-file, which happens when the test JVM
 * holding the other end of the pipe dies, even by SIGKILL. The pid files and the shutdown hook are the second and
 * third lines of defence.
 */
final class ChildBrokerMain {
    static final String NO_WATCHDOG_PROPERTY = "onceflow.infra.no-watchdog";

    private ChildBrokerMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1 && !(args.length == 3 && "--format".equals(args[1]))) {
            throw new IllegalArgumentException("usage: <server.properties> [--format <cluster id>]");
        }
        if (!Boolean.getBoolean(NO_WATCHDOG_PROPERTY)) {
            ChildProcesses.haltWhenParentDies();
        }
        if (args.length == 3) {
            format(args[0], args[2]);
        }
        Method main = Class.forName("kafka.Kafka").getMethod("main", String[].class);
        main.invoke(null, (Object) new String[] {args[0]});
    }

    private static void format(String config, String clusterId) throws Exception {
        // StorageTool.execute returns an exit code; StorageTool.main would call System.exit.
        Method execute =
                Class.forName("kafka.tools.StorageTool").getMethod("execute", String[].class, PrintStream.class);
        int code = (Integer) execute.invoke(null, new String[] {"format", "-t", clusterId, "-c", config}, System.out);
        if (code != 0) {
            System.err.println("[onceflow] kafka storage format failed with exit code " + code);
            System.exit(code);
        }
    }
}
