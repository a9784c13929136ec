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

    static Map<String, Object> consumer(KafkaSourceOptions<?> options, String groupId) {
        Map<String, Object> properties = new HashMap<>();
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

    /** Keys are copied out of the fetch buffers only for a format that reads them. */
    static Deserializer<byte[]> keys(KafkaSourceOptions<?> options) {
        return options.recordFormat().readsKeys() ? new ByteArrayDeserializer() : new IgnoredKeys();
    }
}
