package io.onceflow.demo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.FileSystemUtils;

/**
 * A real Kafka broker in this JVM: one combined broker and controller KRaft node, listening on the loopback address
 * only, with transactions on, its data in a temporary directory that {@link #close()} removes.
 *
 * <p>The demo starts one when no bootstrap servers are configured, so that a machine with a JDK and Maven runs the
 * whole ledger. It is the broker Kafka itself ships ({@code kafka.server.KafkaRaftServer}), formatted like
 * {@code kafka-storage.sh format} would, not a mock: transactions, fencing and consumer groups behave as in
 * production.
 *
 * @since 0.1
 */
final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final String LOOPBACK = "127.0.0.1";

    private final KafkaRaftServer server;
    private final Path dir;
    private final String bootstrapServers;

    private EmbeddedKafkaBroker(KafkaRaftServer server, Path dir, String bootstrapServers) {
        this.server = server;
        this.dir = dir;
        this.bootstrapServers = bootstrapServers;
    }

    /** Formats a fresh data directory, starts the node and waits until it serves; blocking, for start-up. */
    static EmbeddedKafkaBroker start() {
        long start = System.nanoTime();
        Path dir;
        try {
            dir = Files.createTempDirectory("onceflow-demo-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the embedded Kafka broker", e);
        }
        int port = freePort();
        int controllerPort = freePort();
        Properties config = config(dir, port, controllerPort);
        try {
            format(dir, config);
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(config, false), Time.SYSTEM);
            server.startup();
            EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(server, dir, LOOPBACK + ":" + port);
            LOG.info(
                    "Kafka (embedded KRaft broker) listening on {}, controller on {}:{}, started in {} ms, data in {}",
                    broker.bootstrapServers,
                    LOOPBACK,
                    controllerPort,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                    dir);
            return broker;
        } catch (RuntimeException e) {
            deleteQuietly(dir);
            throw new IllegalStateException("the embedded Kafka broker did not start: " + e.getMessage(), e);
        }
    }

    /** Where clients connect. */
    String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
        deleteQuietly(dir);
        LOG.info("Kafka (embedded KRaft broker) at {} stopped", bootstrapServers);
    }

    private static Properties config(Path dir, int port, int controllerPort) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("process.roles", "broker,controller");
        settings.put("node.id", "1");
        settings.put("controller.quorum.voters", "1@" + LOOPBACK + ":" + controllerPort);
        settings.put(
                "listeners",
                "PLAINTEXT://" + LOOPBACK + ":" + port + ",CONTROLLER://" + LOOPBACK + ":" + controllerPort);
        settings.put("advertised.listeners", "PLAINTEXT://" + LOOPBACK + ":" + port);
        settings.put("controller.listener.names", "CONTROLLER");
        settings.put("inter.broker.listener.name", "PLAINTEXT");
        settings.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        settings.put("log.dirs", dir.resolve("data").toString());
        // One node: every internal topic must make do with one replica, or transactions never start.
        settings.put("offsets.topic.replication.factor", "1");
        settings.put("offsets.topic.num.partitions", "1");
        settings.put("transaction.state.log.replication.factor", "1");
        settings.put("transaction.state.log.min.isr", "1");
        settings.put("transaction.state.log.num.partitions", "1");
        settings.put("share.coordinator.state.topic.replication.factor", "1");
        settings.put("share.coordinator.state.topic.min.isr", "1");
        settings.put("share.coordinator.state.topic.num.partitions", "1");
        settings.put("default.replication.factor", "1");
        settings.put("min.insync.replicas", "1");
        // The demo creates its topics; a typo in a topic name must fail rather than create a new one.
        settings.put("auto.create.topics.enable", "false");
        // The first consumer of a group must not wait 3 s for members that never come; nor a restart after a crash.
        settings.put("group.initial.rebalance.delay.ms", "0");
        Properties properties = new Properties();
        properties.putAll(settings);
        return properties;
    }

    /** What {@code kafka-storage.sh format} does; StorageTool.execute returns its exit code instead of exiting. */
    private static void format(Path dir, Properties config) {
        Path file = dir.resolve("server.properties");
        try (var out = Files.newBufferedWriter(file)) {
            config.store(out, "embedded broker of the Onceflow demo");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int code;
        try (PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            code = StorageTool.execute(
                    new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", file.toString()}, print);
        }
        if (code != 0) {
            throw new IllegalStateException("formatting the broker's storage failed (" + code + "): "
                    + output.toString(StandardCharsets.UTF_8));
        }
    }

    /** A loopback port free a moment ago; the broker binds it within milliseconds. */
    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + LOOPBACK, e);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (!FileSystemUtils.deleteRecursively(dir.toFile())) {
            LOG.warn("could not delete {}", dir);
        }
    }
}
