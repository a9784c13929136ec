package io.onceflow.demo;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.kafka.sender.KafkaSender;
import reactor.kafka.sender.SenderOptions;
import reactor.kafka.sender.SenderRecord;

/**
 * Writes payments to the payments topic, keyed by account, with an idempotent producer: a retried send (a lost
 * acknowledgement, a broker that failed over) is written once, so every payment the API accepted is in the topic
 * exactly once, which is where the pipeline's guarantee starts.
 *
 * <p>Non-blocking: Reactor Kafka's sender does the producer's blocking work (metadata, buffer waits) on its own
 * thread, so REST handlers and the load generator never block an event loop.
 *
 * @since 0.1
 */
final class PaymentPublisher implements AutoCloseable {

    private final KafkaSender<String, byte[]> sender;
    private final String topic;

    PaymentPublisher(KafkaCluster kafka, String topic) {
        this.topic = topic;
        this.sender = KafkaSender.create(SenderOptions.<String, byte[]>create(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.LINGER_MS_CONFIG,
                        5,
                        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                        StringSerializer.class,
                        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                        ByteArraySerializer.class))
                .maxInFlight(1024)
                // a failed send is reported to its caller; the other sends go on
                .stopOnError(false));
    }

    /** Sends one payment; completes with where it landed, or errors when Kafka did not take it. */
    Mono<RecordMetadata> send(PaymentMessage payment) {
        return sender.send(Mono.just(SenderRecord.create(record(payment), null)))
                .next()
                .handle((result, sink) -> {
                    Exception failure = result.exception();
                    if (failure != null) {
                        sink.error(failure);
                    } else {
                        sink.next(result.recordMetadata());
                    }
                });
    }

    /**
     * Sends records in order as they come, up to 1,024 unacknowledged; emits for each whether Kafka acknowledged it.
     */
    Flux<Boolean> sendAll(Flux<ProducerRecord<String, byte[]>> records) {
        return sender.send(records.map(record -> SenderRecord.create(record, null)))
                .map(result -> result.exception() == null);
    }

    /** The record of a payment: JSON, keyed by account so that an account's payments share a partition. */
    ProducerRecord<String, byte[]> record(PaymentMessage payment) {
        return new ProducerRecord<>(topic, payment.account(), PaymentJson.FORMAT.encode(payment));
    }

    /** A record of any bytes, for the load generator's unreadable payments. */
    ProducerRecord<String, byte[]> raw(@Nullable String key, String text) {
        return new ProducerRecord<>(topic, key, text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        sender.close();
    }
}
