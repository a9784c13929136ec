package io.onceflow.benchmarks.r2dbc;

import io.onceflow.benchmarks.r2dbc.Ledger.Payment;
import io.onceflow.core.Source;
import io.onceflow.kafka.Format;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.kafka.KafkaSourceOptions;
import io.onceflow.testinfra.KafkaBroker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The payments in a Kafka topic ({@code --input kafka}), produced once at start, partition by partition, on the
 * broker the benchmark started. Onceflow reads them through {@link KafkaSource} in a fresh consumer group per run;
 * the hand-written loops through a plain {@link KafkaConsumer} assigned to every partition. Both decode the same
 * compact binary payload (id, cents, account), so that every variant pays the same decoding.
 */
final class KafkaInput implements LedgerInput {

    static final String TOPIC = "ledger-payments";

    /** id (8 bytes), cents (8 bytes), account (UTF-8, the rest). */
    static final Format<Payment> FORMAT = new Format<>() {
        @Override
        public Payment decode(byte[] bytes) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            long id = buffer.getLong();
            long cents = buffer.getLong();
            return new Payment(id, new String(bytes, 16, bytes.length - 16, StandardCharsets.UTF_8), cents);
        }

        @Override
        public byte[] encode(Payment payment) {
            byte[] account = payment.account().getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(16 + account.length)
                    .putLong(payment.id())
                    .putLong(payment.cents())
                    .put(account)
                    .array();
        }
    };

    private final KafkaBroker broker;
    private final int partitions;
    private final long records;
    private final AtomicInteger runs = new AtomicInteger();

    KafkaInput(KafkaBroker broker, Payment[][] payments) {
        this.broker = broker;
        this.partitions = payments.length;
        long total = 0;
        broker.createTopic(TOPIC, partitions);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(
                        "bootstrap.servers",
                        broker.bootstrapServers(),
                        "acks",
                        "all",
                        "linger.ms",
                        "20",
                        "batch.size",
                        "262144"),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int p = 0; p < payments.length; p++) {
                for (Payment payment : payments[p]) {
                    producer.send(new ProducerRecord<>(
                            TOPIC, p, payment.account().getBytes(StandardCharsets.UTF_8), FORMAT.encode(payment)));
                }
                total += payments[p].length;
            }
            producer.flush();
        }
        this.records = total;
    }

    @Override
    public String describe() {
        return "Kafka topic " + TOPIC + " on " + broker.mode() + " broker (" + records + " records, " + partitions
                + " partitions)";
    }

    @Override
    public int partitions() {
        return partitions;
    }

    @Override
    public long records() {
        return records;
    }

    @Override
    public Source<Payment> source() {
        return KafkaSource.create(KafkaSourceOptions.builder()
                .bootstrapServers(broker.bootstrapServers())
                .groupId("ledger-bench-" + runs.incrementAndGet())
                .topic(TOPIC)
                .valueFormat(FORMAT)
                .maxPollRecords(2_000)
                .build());
    }

    /** Sums the sink's committed records as the pipeline goes: a Kafka source does not complete at the end. */
    @Override
    public boolean completes() {
        return false;
    }

    @Override
    public void read(RecordConsumer consumer) throws Exception {
        try (KafkaConsumer<byte[], byte[]> kafka = new KafkaConsumer<>(
                Map.of(
                        "bootstrap.servers",
                        broker.bootstrapServers(),
                        "max.poll.records",
                        "2000",
                        "enable.auto.commit",
                        "false",
                        "auto.offset.reset",
                        "earliest"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> all = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                all.add(new TopicPartition(TOPIC, p));
            }
            kafka.assign(all);
            kafka.seekToBeginning(all);
            long left = records;
            while (left > 0) {
                for (ConsumerRecord<byte[], byte[]> record : kafka.poll(Duration.ofMillis(100))) {
                    consumer.accept(record.partition(), record.offset(), FORMAT.decode(record.value()));
                    left--;
                }
            }
        }
    }
}
