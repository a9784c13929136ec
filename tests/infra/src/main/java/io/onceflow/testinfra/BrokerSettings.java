package io.onceflow.testinfra;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The broker configuration every mode shares: transactions on, nothing waits for replicas. One node by default; the
 * nodes of a {@link ChildProcessKafkaCluster} replicate every topic on each node.
 */
final class BrokerSettings {
    private BrokerSettings() {}

    /** The settings of a single node. */
    static Map<String, String> common() {
        return common(1);
    }

    /**
     * The settings of a node of a cluster where every topic, internal ones included, has {@code replicas} replicas.
     * One in sync is enough to write ({@code min.insync.replicas=1}), so the cluster serves while any node is down.
     */
    static Map<String, String> common(int replicas) {
        Map<String, String> config = new LinkedHashMap<>();
        String factor = String.valueOf(replicas);
        // One node: every internal topic must be satisfied by a single replica, or transactions never start. In a
        // cluster, several partitions of the internal topics spread the group and transaction coordinators over the
        // nodes, so that killing one moves some of them.
        String internalPartitions = replicas == 1 ? "1" : "4";
        config.put("offsets.topic.replication.factor", factor);
        config.put("offsets.topic.num.partitions", internalPartitions);
        config.put("transaction.state.log.replication.factor", factor);
        config.put("transaction.state.log.min.isr", "1");
        config.put("transaction.state.log.num.partitions", internalPartitions);
        config.put("share.coordinator.state.topic.replication.factor", factor);
        config.put("share.coordinator.state.topic.min.isr", "1");
        config.put("share.coordinator.state.topic.num.partitions", "1");
        config.put("default.replication.factor", factor);
        config.put("min.insync.replicas", "1");
        config.put("num.partitions", "1");
        if (replicas > 1) {
            // A killed follower leaves the in-sync replicas within 2 s (30 s by default), so that acks=all writes
            // do not wait for it that long; a restarted node gets its preferred leaderships back within 5 s (300 s
            // by default), so that leaders move again while the pipelines commit.
            config.put("replica.lag.time.max.ms", "2000");
            config.put("leader.imbalance.check.interval.seconds", "5");
        }
        // Tests create their topics explicitly; a typo must fail instead of creating a new topic.
        config.put("auto.create.topics.enable", "false");
        // The first consumer of a group must not wait 3 s for others that never come.
        config.put("group.initial.rebalance.delay.ms", "0");
        // After kill -9 the controller keeps the dead incarnation registered until its session expires (default
        // 9 s, refusing the restarted broker with DUPLICATE_BROKER_REGISTRATION); 3 s makes a restart ~2x faster.
        config.put("broker.heartbeat.interval.ms", "500");
        config.put("broker.session.timeout.ms", "3000");
        // A crashed producer's open transaction is aborted within a second of its timeout, not ten (the default check
        // interval): a partition it held is blocked for about the transaction timeout, as the sinks' javadoc says.
        config.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
        // Groups of the consumer protocol (KIP-848) take their session timeout and heartbeat interval from the broker
        // (45 s and 5 s by default, and no less): 6 s and 1 s, as short as the tests set them for classic groups, so
        // that a killed member's partitions move as soon under both protocols.
        config.put("group.consumer.min.session.timeout.ms", "3000");
        config.put("group.consumer.session.timeout.ms", "6000");
        config.put("group.consumer.min.heartbeat.interval.ms", "500");
        config.put("group.consumer.heartbeat.interval.ms", "1000");
        return config;
    }
}
