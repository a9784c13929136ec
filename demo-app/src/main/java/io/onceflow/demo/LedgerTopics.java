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
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger's topics, created at start-up when they are missing: payments and ledger with
 * {@code onceflow.demo.kafka.partitions} partitions each, the dead letters with one. The pipeline's changelog topic is the
 * Kafka sink's own business.
 *
 * <p>The payments topic takes its timestamps from the broker ({@code message.timestamp.type=LogAppendTime}): the
 * ledger's deduplication runs on them, and a producer that could set its own (any client writing to the topic) could
 * otherwise date a record years ahead and make every later payment of its partition too late to check. An existing
 * payments topic with producers' timestamps is used as it is, with a warning.
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
    private static final String TIMESTAMP_TYPE = "message.timestamp.type";
    private static final String LOG_APPEND_TIME = "LogAppendTime";

    /** An admin request about topics. */
    @FunctionalInterface
    private interface TopicRequest<T> {
        T send() throws ExecutionException, InterruptedException, TimeoutException;
    }

    /**
     * {@code request}'s answer. A topic created a moment ago may not be in the answering broker's metadata yet (KRaft
     * propagates it from the controller), which the broker answers as an unknown topic: asked again until the
     * timeout. Every request about the topics after their creation goes through here (a CI run failed on the
     * description of the payments topic's configuration, asked for at once).
     */
    private static <T> T untilKnown(Duration timeout, TopicRequest<T> request)
            throws ExecutionException, InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return request.send();
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
                    NewTopic created = new NewTopic(topic, Optional.of(partitions), Optional.empty());
                    if (topic.equals(kafka.paymentsTopic())) {
                        created.configs(Map.of(TIMESTAMP_TYPE, LOG_APPEND_TIME));
                    }
                    missing.add(created);
                }
            });
            if (!missing.isEmpty()) {
                createAll(admin, missing, timeout);
            }
            Map<String, TopicDescription> descriptions = untilKnown(
                    timeout,
                    () -> admin.describeTopics(wanted.keySet())
                            .allTopicNames()
                            .get(timeout.toMillis(), TimeUnit.MILLISECONDS));
            untilKnown(timeout, () -> {
                warnUnlessBrokerTimestamps(admin, kafka.paymentsTopic(), timeout);
                return null;
            });
            Map<String, Integer> partitions = new LinkedHashMap<>();
            descriptions.forEach((name, description) ->
                    partitions.put(name, description.partitions().size()));
            if (!missing.isEmpty()) {
                untilKnown(
                        timeout,
                        () -> admin.listOffsets(latestOf(partitions))
                                .all()
                                .get(timeout.toMillis(), TimeUnit.MILLISECONDS));
            }
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

    private static void warnUnlessBrokerTimestamps(Admin admin, String topic, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = admin.describeConfigs(List.of(resource))
                .all()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .get(resource);
        ConfigEntry type = config == null ? null : config.get(TIMESTAMP_TYPE);
        if (type == null || !LOG_APPEND_TIME.equals(type.value())) {
            LOG.warn(
                    "the payments topic {} keeps the producers' timestamps ({}={}): the ledger deduplicates payment ids"
                            + " on them, so a producer that dates a record ahead makes later payments of its"
                            + " partition late (dead letters); set it to {} for untrusted producers",
                    topic,
                    TIMESTAMP_TYPE,
                    type == null ? "?" : type.value(),
                    LOG_APPEND_TIME);
        }
    }

    /**
     * The latest offset of every partition, which only a partition's leader answers: a broker names a new topic's
     * leader in its metadata a moment before that leader serves it, and an idempotent producer whose first batch
     * meets that gap while its next is appended retries the first one until its delivery timeout; asking for them
     * after the creation keeps the first payments out of it.
     */
    private static Map<TopicPartition, OffsetSpec> latestOf(Map<String, Integer> partitions) {
        Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
        partitions.forEach((topic, count) -> {
            for (int partition = 0; partition < count; partition++) {
                latest.put(new TopicPartition(topic, partition), OffsetSpec.latest());
            }
        });
        return latest;
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
