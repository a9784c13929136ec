package io.onceflow.testinfra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft broker ({@code kafka.Kafka}) in a child JVM: {@link #kill()} is a real SIGKILL, and
 * {@link #restart()} brings it back on the same data directory and ports. It is also one node of a
 * {@link ChildProcessKafkaCluster}: node 1 runs the KRaft controller as well, the others are brokers only.
 *
 * <p>Its directory (under the work directory, {@code target/} in a Maven build) keeps {@code broker.log}, where every
 * incarnation of the broker appends, and {@code server.properties}; the data is removed on {@link #close()}.
 */
final class ChildProcessKafkaBroker implements KafkaBroker {
    private static final Logger log = LoggerFactory.getLogger(ChildProcessKafkaBroker.class);

    /** The system property that sets how many seconds a starting node may take to serve (90 when unset). */
    static final String READY_SECONDS_PROPERTY = "onceflow.kafka.readySeconds";

    /**
     * How long a node may take to serve after it is started: a node killed under heavy load replays its metadata and
     * recovers its logs slowly, and one that is killed again at the timeout starts that over.
     */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(Long.getLong(READY_SECONDS_PROPERTY, 90));

    private enum State {
        RUNNING,
        PAUSED,
        KILLED,
        CLOSED
    }

    private final Path dir;
    private final Path config;
    private final Path logFile;
    private final int nodeId;
    private final int port;

    /** The controller's port: this node's own where it is node 1, the one it registers with otherwise. */
    private final int controllerPort;

    /** Replicas of every topic of the cluster, internal ones included. */
    private final int replicas;

    private final String classpath;
    private Process process;
    private State state;

    private ChildProcessKafkaBroker(
            Path dir, int nodeId, int port, int controllerPort, int replicas, String classpath) {
        this.dir = dir;
        this.config = dir.resolve("server.properties");
        this.logFile = dir.resolve("broker.log");
        this.nodeId = nodeId;
        this.port = port;
        this.controllerPort = controllerPort;
        this.replicas = replicas;
        this.classpath = classpath;
    }

    static ChildProcessKafkaBroker start() {
        return startNode(1, Net.freePort(), 1, Uuid.randomUuid().toString());
    }

    /**
     * Starts node {@code nodeId} of a cluster whose controller (node 1) listens on {@code controllerPort}, and waits
     * until it serves; node 1 must be started first. Node 1 starts its controller on {@code controllerPort}.
     */
    static ChildProcessKafkaBroker startNode(int nodeId, int controllerPort, int replicas, String clusterId) {
        ChildProcesses.reapOrphansOnce();
        long start = System.nanoTime();
        Path dir = Dirs.create("onceflow-kafka-child-");
        ChildProcessKafkaBroker broker = new ChildProcessKafkaBroker(
                dir, nodeId, Net.freePort(), controllerPort, replicas, BrokerClasspath.resolve());
        try {
            broker.writeConfig();
            broker.launch(clusterId);
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
        log.info(
                "Kafka broker {} (child JVM, pid {}) listening on {}, controller on {}:{}, started in {} ms, log {}",
                nodeId,
                broker.process.pid(),
                broker.bootstrapServers(),
                Net.LOOPBACK,
                broker.controllerPort,
                millisSince(start),
                broker.logFile);
        return broker;
    }

    @Override
    public BrokerMode mode() {
        return BrokerMode.CHILD_PROCESS;
    }

    @Override
    public String bootstrapServers() {
        return Net.LOOPBACK + ":" + port;
    }

    @Override
    public void createTopic(String name, int partitions, Map<String, String> topicConfig) {
        KafkaAdmin.createTopic(bootstrapServers(), name, partitions, replicas, topicConfig);
    }

    @Override
    public boolean isKillable() {
        return true;
    }

    @Override
    public synchronized void kill() {
        require(State.RUNNING, State.PAUSED);
        long pid = process.pid();
        ChildProcesses.kill(process);
        state = State.KILLED;
        log.info("Kafka broker at {} killed (SIGKILL, pid {})", bootstrapServers(), pid);
    }

    @Override
    public synchronized void restart() {
        require(State.RUNNING, State.PAUSED, State.KILLED);
        if (state != State.KILLED) {
            ChildProcesses.kill(process);
            state = State.KILLED;
        }
        long start = System.nanoTime();
        launch(null);
        log.info(
                "Kafka broker (child JVM, pid {}) back on {} in {} ms",
                process.pid(),
                bootstrapServers(),
                millisSince(start));
    }

    @Override
    public synchronized void pause() {
        require(State.RUNNING);
        ChildProcesses.stop(process);
        state = State.PAUSED;
        log.info("Kafka broker at {} paused (SIGSTOP, pid {})", bootstrapServers(), process.pid());
    }

    @Override
    public synchronized void resume() {
        require(State.PAUSED);
        ChildProcesses.resume(process);
        state = State.RUNNING;
        log.info("Kafka broker at {} resumed (SIGCONT, pid {})", bootstrapServers(), process.pid());
    }

    @Override
    public synchronized void close() {
        if (state == State.CLOSED) {
            return;
        }
        // SIGKILL rather than a controlled shutdown: the data is thrown away, and it works on a paused broker too.
        if (process != null) {
            if (process.isAlive()) {
                ChildProcesses.kill(process);
            } else {
                ChildProcesses.forget(process); // killed behind our back, e.g. by the orphan reaper
            }
        }
        state = State.CLOSED;
        Dirs.deleteQuietly(dir.resolve("data"));
        log.info("Kafka broker at {} stopped", bootstrapServers());
    }

    /** Brings back a broker that a previous test left killed or paused; a no-op for a running broker. */
    synchronized void ensureRunning() {
        if (state == State.KILLED) {
            log.info("Kafka broker at {} was left killed by a previous test: restarting it", bootstrapServers());
            restart();
        } else if (state == State.PAUSED) {
            log.info("Kafka broker at {} was left paused by a previous test: resuming it", bootstrapServers());
            resume();
        }
    }

    /** The pid of the current incarnation, for tests of the infra itself. */
    synchronized long pid() {
        return process.pid();
    }

    @Override
    public String toString() {
        return "KafkaBroker[child-process, " + bootstrapServers() + ", " + state + "]";
    }

    private void writeConfig() {
        StringBuilder text = new StringBuilder();
        Map<String, String> settings = new LinkedHashMap<>();
        boolean controller = nodeId == 1;
        settings.put("process.roles", controller ? "broker,controller" : "broker");
        settings.put("node.id", String.valueOf(nodeId));
        settings.put("controller.quorum.voters", "1@" + Net.LOOPBACK + ":" + controllerPort);
        settings.put(
                "listeners",
                "PLAINTEXT://" + Net.LOOPBACK + ":" + port
                        + (controller ? ",CONTROLLER://" + Net.LOOPBACK + ":" + controllerPort : ""));
        settings.put("advertised.listeners", "PLAINTEXT://" + Net.LOOPBACK + ":" + port);
        settings.put("controller.listener.names", "CONTROLLER");
        settings.put("inter.broker.listener.name", "PLAINTEXT");
        settings.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        settings.put("log.dirs", dir.resolve("data").toString());
        settings.putAll(BrokerSettings.common(replicas));
        settings.forEach(
                (key, value) -> text.append(key).append('=').append(value).append('\n'));
        try {
            Files.writeString(config, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + config, e);
        }
    }

    /** Starts an incarnation and waits until it serves; formats the storage first when clusterId is given. */
    private void launch(String clusterId) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // Small and quick to start: two cores are shared with the test JVM.
                "-Xmx512m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-XX:+ExitOnOutOfMemoryError",
                "-Djava.awt.headless=true",
                "-Djava.io.tmpdir=" + dir,
                ChildProcesses.markerOption(),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=" + Settings.get("onceflow.test.kafka.log-level", "info"),
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
                "-Dorg.slf4j.simpleLogger.logFile=System.out"));
        if (!Settings.flag("onceflow.test.kafka.parent-watchdog", true)) {
            command.add("-D" + ChildBrokerMain.NO_WATCHDOG_PROPERTY + "=true");
        }
        command.addAll(List.of("-cp", classpath, ChildBrokerMain.class.getName(), config.toString()));
        if (clusterId != null) {
            command.addAll(List.of("--format", clusterId));
        }
        // stdin stays a pipe on purpose: the child halts when it closes (see ChildBrokerMain).
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(logFile.toFile()));
        try {
            process = ChildProcesses.start(builder, "Kafka broker " + bootstrapServers() + " (" + dir + ")");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the child broker JVM", e);
        }
        state = State.RUNNING;
        Process incarnation = process;
        try {
            KafkaAdmin.awaitReady(bootstrapServers(), READY_TIMEOUT, incarnation::isAlive, logFile.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ChildProcesses.kill(incarnation);
            state = State.KILLED;
            throw new IllegalStateException("interrupted while the broker was starting", e);
        } catch (RuntimeException e) {
            ChildProcesses.kill(incarnation);
            state = State.KILLED;
            throw e;
        }
    }

    private void require(State... allowed) {
        for (State s : allowed) {
            if (state == s) {
                return;
            }
        }
        throw new IllegalStateException("the broker at " + bootstrapServers() + " is " + state);
    }

    private static long millisSince(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }
}
