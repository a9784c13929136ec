package io.onceflow.testinfra;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One combined broker+controller KRaft node inside the test JVM, built on Kafka's own {@link KafkaClusterTestKit}.
 *
 * <p>It shares the JVM's kafka-clients, hence the parent pins the test kit to the client's version.
 */
final class InProcessKafkaBroker extends UnkillableKafkaBroker {
    private static final Logger log = LoggerFactory.getLogger(InProcessKafkaBroker.class);

    private final KafkaClusterTestKit cluster;
    private final Path dir;

    private InProcessKafkaBroker(KafkaClusterTestKit cluster, Path dir) {
        super(cluster.bootstrapServers());
        this.cluster = cluster;
        this.dir = dir;
    }

    static InProcessKafkaBroker start() {
        long start = System.nanoTime();
        Path dir = Dirs.create("onceflow-kafka-inprocess-");
        KafkaClusterTestKit cluster = null;
        try {
            TestKitNodes nodes = new TestKitNodes.Builder(productionBootstrap())
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .setBaseDirectory(dir)
                    .build();
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
            BrokerSettings.common().forEach(builder::setConfigProp);
            cluster = builder.build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            InProcessKafkaBroker broker = new InProcessKafkaBroker(cluster, dir);
            // The test kit pre-binds its ports on the wildcard address and advertises localhost.
            log.info(
                    "Kafka broker (in-process) listening on {}, started in {} ms, data in {}",
                    broker.bootstrapServers(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                    dir);
            return broker;
        } catch (Exception e) {
            closeQuietly(cluster);
            Dirs.deleteQuietly(dir);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("the in-process Kafka broker did not start", e);
        }
    }

    /**
     * The test kit bootstraps at the latest <em>testing</em> metadata version, with unreleased features; a real
     * broker, and our child-process broker formatted by StorageTool, at the latest production one. Tests of
     * exactly-once behaviour must see what production sees.
     */
    private static BootstrapMetadata productionBootstrap() {
        MetadataVersion version = MetadataVersion.latestProduction();
        Map<String, Short> features = new TreeMap<>();
        Feature.PRODUCTION_FEATURES.forEach(f -> features.put(f.featureName(), f.defaultLevel(version)));
        return BootstrapMetadata.fromVersions(version, features, "onceflow-test-infra");
    }

    @Override
    public BrokerMode mode() {
        return BrokerMode.IN_PROCESS;
    }

    @Override
    void stop() {
        closeQuietly(cluster);
        Dirs.deleteQuietly(dir);
        log.info("Kafka broker (in-process) at {} stopped", bootstrapServers());
    }

    private static void closeQuietly(KafkaClusterTestKit cluster) {
        if (cluster == null) {
            return;
        }
        try {
            cluster.close();
        } catch (Exception e) {
            log.warn("Closing the in-process Kafka broker failed", e);
        }
    }
}
