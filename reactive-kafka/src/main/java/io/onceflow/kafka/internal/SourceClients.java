package io.onceflow.kafka.internal;

import io.onceflow.kafka.KafkaSourceOptions;
import io.onceflow.kafka.StartPosition;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The settings of a source's consumer. The user's consumer properties come after the assignor default (classic
 * protocol only: under the consumer protocol the broker assigns) and before what
 * the protocol depends on (no auto-commit: positions are committed with checkpoints), which no property can change.
 */
final class SourceClients {

    private SourceClients() {}

    /**
     * The consumer's settings for {@code groupId}, in the pipeline instance {@code pipeline}/{@code instanceId} (what
     * its static member id is made of).
     */
    static Map<String, Object> consumer(
            KafkaSourceOptions<?> options, String groupId, String pipeline, String instanceId) {
        Map<String, Object> properties = new HashMap<>();
        if (options.staticMembership() && options.groupProtocol() == GroupProtocol.CLASSIC) {
            // before the user's properties: a group.instance.id of their own wins
            properties.put("group.instance.id", groupInstanceId(pipeline, instanceId, options.name()));
        }
        if (options.groupProtocol() == GroupProtocol.CLASSIC) {
            // incremental rebalances: partitions that stay put are not revoked (the consumer protocol always is)
            properties.put(
                    "partition.assignment.strategy", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
        }
        properties.putAll(options.consumerProperties());
        properties.put("bootstrap.servers", options.bootstrapServers());
        properties.put("group.id", groupId);
        properties.put("enable.auto.commit", "false");
        properties.put("isolation.level", options.readCommitted() ? "read_committed" : "read_uncommitted");
        properties.put("max.poll.records", String.valueOf(options.maxPollRecords()));
        properties.put("auto.offset.reset", options.startPosition() == StartPosition.EARLIEST ? "earliest" : "latest");
        return properties;
    }

    /**
     * Whether the consumer of {@code properties} (made by {@link #consumer}) leaves its group when it closes: always,
     * unless the options ask a static member to stay (the options refuse that for a member that is not static).
     */
    static boolean leavesGroupOnClose(KafkaSourceOptions<?> options, Map<String, Object> properties) {
        return options.leaveGroupOnClose() || !properties.containsKey("group.instance.id");
    }

    /**
     * The static member id of a pipeline instance's source: stable across restarts, as the pipeline's instance id is,
     * and distinct between the sources of one instance, which may share a group. Kafka accepts letters, digits and
     * {@code . _ -} (at most 249): the pipeline's name and instance id are made of those already, and any other
     * character of the source's name becomes {@code _}.
     */
    static String groupInstanceId(String pipeline, String instanceId, String sourceName) {
        String id = pipeline + "-" + instanceId + "-" + sourceName.replaceAll("[^A-Za-z0-9._-]", "_");
        return id.length() <= 249 ? id : id.substring(0, 249);
    }

    /** Keys are copied out of the fetch buffers only for a format that reads them. */
    static Deserializer<byte[]> keys(KafkaSourceOptions<?> options) {
        return options.recordFormat().readsKeys() ? new ByteArrayDeserializer() : new IgnoredKeys();
    }
}
