package io.onceflow.kafka.internal;

import io.onceflow.kafka.KafkaSourceOptions;
import io.onceflow.kafka.StartPosition;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.CloseOptions;
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
        if (options.staticMembership()
                && (options.groupProtocol() == GroupProtocol.CLASSIC || !options.leaveGroupOnClose())) {
            // before the user's properties: a group.instance.id of their own wins. Under the consumer protocol only
            // for a source that stays in its group on close: a crashed static member's successor is refused there
            // until the dead one's session expires, so the id gains nothing but rolling restarts
            properties.put("group.instance.id", groupInstanceId(pipeline, instanceId, options.name()));
        }
        if (options.groupProtocol() == GroupProtocol.CLASSIC) {
            // incremental rebalances: partitions that stay put are not revoked (the consumer protocol always is);
            // Kafka's cooperative sticky assignor, which also lets a static member finish a dead predecessor's handover
            properties.put("partition.assignment.strategy", HandoverAssignor.class.getName());
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
     * How the consumer of {@code properties} (made by {@link #consumer}) closes: it leaves its group, unless the
     * options ask a static member to stay (the options refuse that for a member that is not static). A classic static
     * member that stays sends no {@code LeaveGroup}, and a restart with its id replaces it. A static member of the
     * consumer protocol closes as Kafka closes one by default, with KIP-848's temporary leave (member epoch -2): the
     * broker keeps its partitions for the session and lets a restart with its id take them back. (A crashed one sent
     * nothing, and the broker refuses its id to a restart until its session expires: {@code UNRELEASED_INSTANCE_ID}.)
     */
    static CloseOptions.GroupMembershipOperation onClose(
            KafkaSourceOptions<?> options, Map<String, Object> properties) {
        if (options.leaveGroupOnClose() || !properties.containsKey("group.instance.id")) {
            return CloseOptions.GroupMembershipOperation.LEAVE_GROUP;
        }
        return options.groupProtocol() == GroupProtocol.CLASSIC
                ? CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP
                : CloseOptions.GroupMembershipOperation.DEFAULT;
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
