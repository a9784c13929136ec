package io.onceflow.benchmarks.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Where the latency benchmark sees the Kafka sink's outputs become visible: a read_committed consumer. */
final class CommittedOutputConsumer {

    private CommittedOutputConsumer() {}

    /**
     * Starts a read_committed consumer of {@code topic} on a thread of its own, recording the latency of each balance
     * whose payment was sent at or after {@code window[0]} (read under the array's lock) into {@code histogram}.
     */
    static OutputObserver start(
            String bootstrap, String topic, int partitionCount, long[] window, Histogram histogram, AtomicLong seen) {
        AtomicBoolean stop = new AtomicBoolean();
        Thread thread = new Thread(
                () -> {
                    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                            Map.of(
                                    "bootstrap.servers", bootstrap,
                                    "isolation.level", "read_committed",
                                    "enable.auto.commit", "false",
                                    "max.poll.records", "5000"),
                            new ByteArrayDeserializer(),
                            new ByteArrayDeserializer())) {
                        List<TopicPartition> partitions = new ArrayList<>();
                        for (int p = 0; p < partitionCount; p++) {
                            partitions.add(new TopicPartition(topic, p));
                        }
                        consumer.assign(partitions);
                        consumer.seekToBeginning(partitions);
                        while (!stop.get()) {
                            var records = consumer.poll(Duration.ofMillis(50));
                            long now = System.nanoTime();
                            long recordFrom;
                            synchronized (window) {
                                recordFrom = window[0];
                            }
                            for (ConsumerRecord<byte[], byte[]> record : records) {
                                long intended = TimedLedger.sentNanos(record.value());
                                if (intended >= recordFrom) {
                                    histogram.recordValue(Math.max(1, (now - intended) / 1000));
                                }
                            }
                            seen.addAndGet(records.count());
                        }
                    }
                },
                "latency-consumer");
        thread.setDaemon(true);
        thread.start();
        return new OutputObserver() {
            @Override
            public long seen() {
                return seen.get();
            }

            @Override
            public void close() throws Exception {
                stop.set(true);
                thread.join(10_000);
            }
        };
    }
}
