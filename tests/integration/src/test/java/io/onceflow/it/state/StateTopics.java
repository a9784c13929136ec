package io.onceflow.it.state;

import io.onceflow.it.kafka.KafkaLedger;
import io.onceflow.kafka.Format;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
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

    /**
     * Every committed record of {@code topic}, read to its end once no transaction is pending there (see
     * {@link KafkaLedger#readAll}).
     */
    static <T> List<T> readCommitted(String bootstrap, String topic, Format<T> format) {
        return KafkaLedger.readAll(bootstrap, topic).stream()
                .map(record -> format.decode(record.value()))
                .toList();
    }
}
