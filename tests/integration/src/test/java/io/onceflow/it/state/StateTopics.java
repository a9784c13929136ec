package io.onceflow.it.state;

import io.onceflow.kafka.Format;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The state tests' input written to a topic, and their output read back as a {@code read_committed} consumer. */
final class StateTopics {

    private StateTopics() {}

    /** Writes {@code values} to {@code topic}, each keyed by {@code key}, and waits for every acknowledgement. */
    static <T> void produce(
            String bootstrap, String topic, Format<T> format, List<T> values, Function<? super T, String> key)
            throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", bootstrap, "acks", "all"),
                new StringSerializer(),
                new ByteArraySerializer())) {
            for (T value : values) {
                producer.send(new ProducerRecord<>(topic, key.apply(value), format.encode(value)));
            }
            producer.flush();
        }
    }

    /** Every committed record of {@code topic}'s {@code partitions} partitions, read to their ends. */
    static <T> List<T> readCommitted(String bootstrap, String topic, int partitions, Format<T> format) {
        List<T> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of("bootstrap.servers", bootstrap, "isolation.level", "read_committed"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> all = IntStream.range(0, partitions)
                    .mapToObj(partition -> new TopicPartition(topic, partition))
                    .toList();
            consumer.assign(all);
            consumer.seekToBeginning(all);
            Map<TopicPartition, Long> ends = consumer.endOffsets(all);
            while (all.stream().anyMatch(partition -> consumer.position(partition) < ends.get(partition))) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(format.decode(record.value()));
                }
            }
        }
        return values;
    }
}
