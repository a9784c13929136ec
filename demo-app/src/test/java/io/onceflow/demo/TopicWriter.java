package io.onceflow.demo;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;

/** Writes any bytes to any partition of a topic, as a producer other than the demo's (a buggy or hostile one) would. */
final class TopicWriter implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;

    TopicWriter(KafkaCluster kafka) {
        this.producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.LINGER_MS_CONFIG,
                        5,
                        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                        1_000_000),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    static byte @Nullable [] utf8(@Nullable String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    /** Sends without waiting; {@link #flush} waits for all. */
    Future<RecordMetadata> send(
            String topic,
            @Nullable Integer partition,
            byte @Nullable [] key,
            byte @Nullable [] value,
            List<Header> headers) {
        return producer.send(new ProducerRecord<>(topic, partition, key, value, headers));
    }

    /** Sends and waits for the acknowledgement. */
    RecordMetadata write(
            String topic,
            @Nullable Integer partition,
            @Nullable String key,
            @Nullable String value,
            List<Header> headers)
            throws InterruptedException, ExecutionException, TimeoutException {
        return send(topic, partition, utf8(key), utf8(value), headers).get(30, TimeUnit.SECONDS);
    }

    void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }
}
