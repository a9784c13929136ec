package io.onceflow.testinfra;

/**
 * Several real KRaft Kafka nodes in child JVMs, every topic replicated on each of them (internal ones included, with
 * their group and transaction coordinators spread over the nodes), one replica in sync enough to write. Node 1 is
 * also the KRaft controller; the others are brokers only.
 *
 * <p>As a {@link KafkaBroker}, the cluster is killed, restarted, paused and resumed as a whole; {@link #killNode} and
 * {@link #restartNode} take one node down and back, so that the partition leaders and coordinators it held move to
 * another node while clients work, and move back once it returns. Close it after use.
 *
 * <pre>{@code
 * try (KafkaCluster cluster = KafkaCluster.start(2)) {
 *     cluster.createTopic("payments", 4);   // 2 replicas
 *     cluster.killNode(2);                   // its leaders move to node 1
 *     cluster.restartNode(2);                // back, in sync again, and preferred leader again soon after
 * }
 * }</pre>
 */
public interface KafkaCluster extends KafkaBroker {

    /** Starts {@code nodes} nodes (at least 1) in child JVMs, node 1 first, and waits until every one serves. */
    static KafkaCluster start(int nodes) {
        return ChildProcessKafkaCluster.start(nodes);
    }

    /** The number of nodes, numbered from 1. */
    int nodes();

    /** Kills node {@code node} with SIGKILL. Node 1 runs the controller: without it the cluster stops serving. */
    void killNode(int node);

    /** Starts node {@code node} again on its data directory and port, and waits until it serves. */
    void restartNode(int node);
}
