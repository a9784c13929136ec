package io.onceflow.it.kafka;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.Partitioner;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.utils.Utils;

/**
 * A partitioner (keys by murmur2, as Kafka's default) that throws on one call, as a plugin of the producer can: the
 * exception leaves {@code send} synchronously, before the record reaches the producer, and the producer itself is
 * left in no error state, so {@code commitTransaction} alone would not notice that a record was never sent.
 */
public final class FailingPartitioner implements Partitioner {

    /** The call that throws (from 1); 0 for none. */
    static final AtomicInteger FAIL_AT = new AtomicInteger();

    static final AtomicInteger CALLS = new AtomicInteger();

    @Override
    public int partition(String topic, Object key, byte[] keyBytes, Object value, byte[] valueBytes, Cluster cluster) {
        if (CALLS.incrementAndGet() == FAIL_AT.get()) {
            throw new IllegalStateException("injected: the partitioner failed on send " + FAIL_AT.get());
        }
        int partitions = cluster.partitionCountForTopic(topic);
        return keyBytes == null ? 0 : Utils.toPositive(Utils.murmur2(keyBytes)) % partitions;
    }

    @Override
    public void close() {}

    @Override
    public void configure(Map<String, ?> configs) {}
}
