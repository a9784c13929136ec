package io.onceflow.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger's topics, created at start-up when they are missing: payments and ledger with
 * {@code onceflow.demo.kafka.partitions} partitions each, the dead letters with one. The pipeline's changelog topic is the
 * Kafka sink's own business.
 *
 * <p>Start-up waits for them (blocking the main thread, like a schema migration would): a cluster that does not
 * answer stops the application with a message that says which setting to check, rather than a pipeline that retries
 * forever in the background.
 *
 * @param payments where payments arrive
 * @param ledger the ledger entries, the pipeline's commit point
 * @param deadLetters invalid payments
 * @param partitions the partitions of each topic, as the cluster has them
 * @since 0.1
 */
record LedgerTopics(String payments, String ledger, String deadLetters, Map<String, Integer> partitions) {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerTopics.class);

    /**
     * The topics' descriptions. A topic created a moment ago may not be in the broker's metadata yet (KRaft
     * propagates it from the controller), which the broker answers as an unknown topic: asked again until the
     * timeout.
     */
    private static Map<String, TopicDescription> describe(Admin admin, Set<String> topics, Duration timeout)
            throws ExecutionException, InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return admin.describeTopics(topics).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100); // blocking-ok: application start-up, before any Reactor pipeline runs
            }
        }
    }

    /** Creates the missing topics and reads how many partitions each has; blocking, for start-up. */
    static LedgerTopics create(KafkaCluster cluster, DemoProperties.Kafka kafka) {
        Map<String, Integer> wanted = new LinkedHashMap<>();
        wanted.put(kafka.paymentsTopic(), kafka.partitions());
        wanted.put(kafka.ledgerTopic(), kafka.partitions());
        wanted.put(kafka.deadLetterTopic(), 1);
        Duration timeout = kafka.startupTimeout();
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis))) {
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            wanted.forEach((topic, partitions) -> {
                if (!existing.contains(topic)) {
                    // replication: the cluster's default, which suits the embedded broker and a real cluster alike
                    missing.add(new NewTopic(topic, Optional.of(partitions), Optional.empty()));
                }
            });
            if (!missing.isEmpty()) {
                createAll(admin, missing, timeout);
            }
            Map<String, Integer> partitions = new LinkedHashMap<>();
            describe(admin, wanted.keySet(), timeout)
                    .forEach((name, description) ->
                            partitions.put(name, description.partitions().size()));
            LOG.info("Kafka topics at {}: {} partitions", cluster.bootstrapServers(), partitions);
            return new LedgerTopics(kafka.paymentsTopic(), kafka.ledgerTopic(), kafka.deadLetterTopic(), partitions);
        } catch (TimeoutException e) {
            throw notAnswering(cluster, timeout, e);
        } catch (ExecutionException e) {
            // the admin client's own timeout is the same as ours, so which of the two fires first is a race
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw notAnswering(cluster, timeout, e.getCause());
            }
            throw new IllegalStateException(
                    "Kafka at " + cluster.bootstrapServers() + " refused to list or create the ledger's topics "
                            + wanted.keySet() + ": " + e.getCause(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the ledger's topics", e);
        }
    }

    private static IllegalStateException notAnswering(KafkaCluster cluster, Duration timeout, Throwable cause) {
        return new IllegalStateException(
                "Kafka at " + cluster.bootstrapServers() + " did not answer within " + timeout.toSeconds()
                        + " s: check onceflow.kafka.bootstrap-servers (leave it empty for an embedded broker)",
                cause);
    }

    private static void createAll(Admin admin, List<NewTopic> topics, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        try {
            admin.createTopics(topics).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("created topics {}", topics.stream().map(NewTopic::name).toList());
        } catch (ExecutionException e) {
            // another instance of the demo created them meanwhile: what we wanted
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    /** Partitions of a topic. */
    int partitionsOf(String topic) {
        return partitions.getOrDefault(topic, 1);
    }
}
