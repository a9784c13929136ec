package io.onceflow.testinfra;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/** The few admin calls the brokers need, with short client timeouts so a dead broker fails fast. */
final class KafkaAdmin {
    private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(30);

    private KafkaAdmin() {}

    static Admin connect(String bootstrapServers) {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200));
    }

    static void createTopic(String bootstrapServers, String name, int partitions, Map<String, String> config) {
        createTopic(bootstrapServers, name, partitions, 1, config);
    }

    static void createTopic(
            String bootstrapServers, String name, int partitions, int replicas, Map<String, String> config) {
        try (Admin admin = connect(bootstrapServers)) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) replicas).configs(config)))
                    .all()
                    .get(TOPIC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            // The controller has committed the topic; wait until each partition's leader serves it too, so the
            // test's first produce does not race the metadata propagation.
            long deadline = System.nanoTime() + TOPIC_TIMEOUT.toNanos();
            while (!leadersServe(admin, name, partitions)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic " + name + " has no leader after " + TOPIC_TIMEOUT);
                }
                Thread.sleep(50);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + name, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("topic " + name + " not created within " + TOPIC_TIMEOUT, e);
        }
    }

    /**
     * Whether every partition's leader answers for it. Metadata naming a leader is not enough: a broker publishes a
     * new topic to its metadata cache before its replica manager becomes the partitions' leader, and an idempotent
     * producer whose first batch meets that gap ({@code NOT_LEADER_OR_FOLLOWER}) while its next batch is appended
     * retries the first one as {@code OUT_OF_ORDER_SEQUENCE_NUMBER} until its delivery timeout (a CI run lost two
     * minutes and a test that way). Only the leader's replica manager answers {@code ListOffsets}.
     */
    private static boolean leadersServe(Admin admin, String name, int partitions) throws InterruptedException {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int partition = 0; partition < partitions; partition++) {
            latest.put(new TopicPartition(name, partition), OffsetSpec.latest());
        }
        try {
            admin.listOffsets(latest, new ListOffsetsOptions().timeoutMs(2_000))
                    .all()
                    .get();
            return true;
        } catch (ExecutionException | KafkaException e) {
            return false;
        }
    }

    /**
     * Waits until the broker at bootstrapServers lists itself in the cluster metadata. A KRaft broker only opens
     * its client listener once it is registered and unfenced, so this is also "ready to serve".
     */
    static void awaitReady(String bootstrapServers, Duration timeout, BooleanSupplier stillStarting, String where)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        // Wait for the port silently first: an admin client connecting to a closed port logs a warning per attempt.
        // A KRaft broker opens its client port late in its start, so this is most of the wait.
        String[] hostAndPort = bootstrapServers.split(",")[0].split(":");
        while (!Net.answers(hostAndPort[0], Integer.parseInt(hostAndPort[1]), 200)) {
            if (!stillStarting.getAsBoolean()) {
                throw new IllegalStateException("the broker died while starting, see " + where);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "the broker did not open its port within " + timeout + ", see " + where);
            }
            Thread.sleep(50);
        }
        try (Admin admin = connect(bootstrapServers)) {
            while (true) {
                if (!stillStarting.getAsBoolean()) {
                    throw new IllegalStateException("the broker died while starting, see " + where);
                }
                try {
                    if (!admin.describeCluster()
                            .nodes()
                            .get(2, TimeUnit.SECONDS)
                            .isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException notYet) {
                    // not listening yet, or still registering
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the broker did not answer within " + timeout + ", see " + where);
                }
                Thread.sleep(100);
            }
        }
    }
}
