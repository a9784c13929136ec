package io.onceflow.testinfra;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;

/** A {@link KafkaCluster} of {@link ChildProcessKafkaBroker} nodes sharing one cluster id. */
final class ChildProcessKafkaCluster implements KafkaCluster {

    private final List<ChildProcessKafkaBroker> nodes;

    private ChildProcessKafkaCluster(List<ChildProcessKafkaBroker> nodes) {
        this.nodes = nodes;
    }

    static ChildProcessKafkaCluster start(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("a cluster has at least one node, not " + count);
        }
        String clusterId = Uuid.randomUuid().toString();
        int controllerPort = Net.freePort();
        List<ChildProcessKafkaBroker> nodes = new ArrayList<>(count);
        try {
            for (int id = 1; id <= count; id++) {
                nodes.add(ChildProcessKafkaBroker.startNode(id, controllerPort, count, clusterId));
            }
        } catch (RuntimeException e) {
            nodes.forEach(ChildProcessKafkaBroker::close);
            throw e;
        }
        return new ChildProcessKafkaCluster(nodes);
    }

    @Override
    public int nodes() {
        return nodes.size();
    }

    @Override
    public void killNode(int node) {
        node(node).kill();
    }

    @Override
    public void restartNode(int node) {
        node(node).restart();
    }

    @Override
    public BrokerMode mode() {
        return BrokerMode.CHILD_PROCESS;
    }

    @Override
    public String bootstrapServers() {
        return nodes.stream().map(ChildProcessKafkaBroker::bootstrapServers).collect(Collectors.joining(","));
    }

    @Override
    public void createTopic(String name, int partitions, Map<String, String> config) {
        KafkaAdmin.createTopic(bootstrapServers(), name, partitions, nodes.size(), config);
    }

    @Override
    public boolean isKillable() {
        return true;
    }

    /** Kills every node. */
    @Override
    public void kill() {
        nodes.forEach(ChildProcessKafkaBroker::kill);
    }

    /**
     * Restarts every node at once (a node still running is killed first), and waits until every one serves: one after
     * the other took twice as long, each node recovering its logs alone.
     */
    @Override
    public void restart() {
        List<CompletableFuture<Void>> restarts = nodes.stream()
                .map(node -> CompletableFuture.runAsync(node::restart, runnable -> {
                    Thread thread = new Thread(runnable, "restart-" + node.bootstrapServers());
                    thread.setDaemon(true);
                    thread.start();
                }))
                .toList();
        try {
            CompletableFuture.allOf(restarts.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw e;
        }
    }

    @Override
    public void pause() {
        nodes.forEach(ChildProcessKafkaBroker::pause);
    }

    @Override
    public void resume() {
        nodes.forEach(ChildProcessKafkaBroker::resume);
    }

    @Override
    public void close() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).close();
        }
    }

    @Override
    public String toString() {
        return "KafkaCluster[" + nodes + "]";
    }

    private ChildProcessKafkaBroker node(int node) {
        if (node < 1 || node > nodes.size()) {
            throw new IllegalArgumentException("no node " + node + " in a cluster of " + nodes.size());
        }
        return nodes.get(node - 1);
    }
}
