package io.onceflow.benchmarks.kafka;

import io.onceflow.benchmarks.kafka.KafkaLedgerBenchmark.Payment;
import io.onceflow.testinfra.KafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The ledger benchmark's topics on its broker: the payments produced before a variant runs, the wait for a variant's
 * group to commit the input's end (its steady rate from the commits it makes on the way), and the count of a variant's
 * outputs.
 */
final class LedgerTopics {

    private final KafkaBroker broker;
    private final String bootstrap;
    private final int partitions;

    LedgerTopics(KafkaBroker broker, int partitions) {
        this.broker = broker;
        this.bootstrap = broker.bootstrapServers();
        this.partitions = partitions;
    }

    double produce(String topic, int records, int accounts) {
        broker.createTopic(topic, partitions);
        Random random = new Random(42);
        long start = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                // not idempotent: under load the in-process broker at times answers an idempotent producer with
                // OutOfOrderSequenceException and its records are lost; one request in flight keeps the order, and
                // a duplicate from a retry would show in the output count
                Map.of(
                        "bootstrap.servers",
                        bootstrap,
                        "acks",
                        "all",
                        "linger.ms",
                        "20",
                        "batch.size",
                        "262144",
                        "enable.idempotence",
                        "false",
                        "max.in.flight.requests.per.connection",
                        "1"),
                new StringSerializer(),
                new ByteArraySerializer())) {
            AtomicReference<Exception> failed = new AtomicReference<>();
            for (long id = 0; id < records && failed.get() == null; id++) {
                Payment payment = new Payment(id, "acct-" + random.nextInt(accounts), 1 + random.nextInt(100_000));
                producer.send(
                        new ProducerRecord<>(topic, payment.account(), KafkaLedgerBenchmark.PAYMENTS.encode(payment)),
                        (metadata, error) -> {
                            if (error != null) {
                                failed.compareAndSet(null, error);
                            }
                        });
            }
            producer.flush();
            if (failed.get() != null) {
                // a lost input record would make every figure of the run wrong: fail the part instead
                throw new IllegalStateException("producing " + topic + " failed", failed.get());
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /**
     * Waits until {@code group} has committed the end of every partition of {@code topic}, watching its commits; returns
     * the steady-state rate: records committed between 10 % and 90 % of the input, over the time between them.
     */
    double awaitCaughtUp(String group, String topic, int records, Duration timeout) throws Exception {
        Map<TopicPartition, Long> ends;
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(true)) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            ends = consumer.endOffsets(partitions);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<long[]> steps = new ArrayList<>(); // {nanos, committed} each time the committed total moved
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            while (true) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata()
                        .get();
                long now = System.nanoTime();
                long total = 0;
                boolean done = true;
                for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
                    OffsetAndMetadata offset = committed.get(end.getKey());
                    total += offset == null ? 0 : offset.offset();
                    done &= offset != null && offset.offset() >= end.getValue();
                }
                if (steps.isEmpty() || steps.get(steps.size() - 1)[1] != total) {
                    steps.add(new long[] {now, total});
                }
                if (done) {
                    return steadyRate(steps, records);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(group + " did not catch up within " + timeout);
                }
                Thread.sleep(20);
            }
        }
    }

    private static double steadyRate(List<long[]> steps, int records) {
        long[] first = null;
        long[] last = null;
        for (long[] step : steps) {
            if (first == null && step[1] >= records * 0.1) {
                first = step;
            }
            if (step[1] <= records * 0.9) {
                last = step;
            }
        }
        if (first == null || last == null || last[0] <= first[0]) {
            long[] start = steps.get(0);
            long[] end = steps.get(steps.size() - 1);
            return (end[1] - start[1]) / Math.max(1e-9, (end[0] - start[0]) / 1e9);
        }
        return (last[1] - first[1]) / ((last[0] - first[0]) / 1e9);
    }

    /** Records in {@code topic}, as a read_committed consumer (or any consumer, for at-least-once) sees them. */
    long count(String topic, boolean readCommitted) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(readCommitted)) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long count = 0;
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(200));
                count += batch.count();
            }
            return count;
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer(boolean readCommitted) {
        return new KafkaConsumer<>(
                Map.of(
                        "bootstrap.servers",
                        bootstrap,
                        "isolation.level",
                        readCommitted ? "read_committed" : "read_uncommitted",
                        "max.poll.records",
                        "10000",
                        "enable.auto.commit",
                        "false"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }
}
