package io.onceflow.chaos.verify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** What the verifiers read from Kafka: whole topics, and a group's committed offsets. */
public final class KafkaReads {

    private static final Duration READ_TIMEOUT = Duration.ofMinutes(3);

    private final String bootstrapServers;

    public KafkaReads(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Every record of {@code topic}, per partition in log order; with {@code readCommitted}, as a read_committed
     * consumer sees them (it waits for open transactions to end).
     */
    public Map<Integer, List<ConsumerRecord<byte[], byte[]>>> readTopic(String topic, boolean readCommitted) {
        Map<Integer, List<ConsumerRecord<byte[], byte[]>>> byPartition = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(readCommitted)) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            partitions.forEach(partition -> byPartition.put(partition.partition(), new ArrayList<>()));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p, Duration.ofSeconds(30)) < ends.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "could not read " + topic + " to its end " + ends + " within " + READ_TIMEOUT);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    byPartition.get(record.partition()).add(record);
                }
            }
        }
        return byPartition;
    }

    /** The end offsets of {@code topic}'s partitions, by partition. */
    public long[] endOffsets(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(false)) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            long[] ends = new long[partitions.size()];
            consumer.endOffsets(partitions, Duration.ofSeconds(30))
                    .forEach((partition, end) -> ends[partition.partition()] = end);
            return ends;
        }
    }

    /**
     * The offsets {@code group} committed for {@code topic}, by partition; with {@code requireStable}, only once no
     * transaction with offsets for them is open.
     */
    public Map<Integer, Long> groupOffsets(String group, String topic, boolean requireStable) throws Exception {
        Map<Integer, Long> offsets = new TreeMap<>();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                            Map.of(group, new ListConsumerGroupOffsetsSpec()),
                            new ListConsumerGroupOffsetsOptions().requireStable(requireStable))
                    .partitionsToOffsetAndMetadata(group)
                    .get();
            committed.forEach((partition, offset) -> {
                if (offset != null && partition.topic().equals(topic)) {
                    offsets.put(partition.partition(), offset.offset());
                }
            });
        }
        return offsets;
    }

    /**
     * The partitions of {@code topic}. A consumer's metadata can come back without a topic that exists (its leader
     * moving, a broker just restarted): an empty answer is asked again, and never taken for an empty topic.
     */
    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (!infos.isEmpty()) {
                List<TopicPartition> partitions = new ArrayList<>();
                infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
                return partitions;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topic " + topic + " has no partitions in the metadata after 60 s");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted reading the metadata of " + topic, e);
            }
        }
    }

    /** A consumer of no group, read_committed or not. */
    public KafkaConsumer<byte[], byte[]> consumer(boolean readCommitted) {
        Properties properties = new Properties();
        properties.put("bootstrap.servers", bootstrapServers);
        properties.put("isolation.level", readCommitted ? "read_committed" : "read_uncommitted");
        properties.put("enable.auto.commit", "false");
        properties.put("max.poll.records", "10000");
        properties.put("fetch.max.bytes", String.valueOf(32 * 1024 * 1024));
        // a fetch of partitions already read to their end would wait for data up to the default 500 ms; the reads
        // here end at offsets known beforehand, so such a wait is never worth it
        properties.put("fetch.max.wait.ms", "10");
        return new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
