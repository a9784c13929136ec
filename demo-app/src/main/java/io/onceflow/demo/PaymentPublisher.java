package io.onceflow.demo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Writes payments to the payments topic, keyed by account, with an idempotent producer: a retried send (a lost
 * acknowledgement, a broker that failed over) is written once, so every payment the API accepted is in the topic
 * exactly once, which is where the pipeline's guarantee starts.
 *
 * <p>Non-blocking: {@link Producer#send} may block (for metadata, for buffer space, up to {@code max.block.ms}), so it
 * is called on a thread of its own, never on an event loop; one thread also keeps the sends in the order they were
 * asked for, which is the order of an account's payments in its partition.
 *
 * <p>Bounded: a payment is acknowledged, refused, or given up on within {@link #SEND_TIMEOUT}; a request is never left
 * without an answer. A payment given up on may still reach the topic (the producer cannot take a record back), so the
 * REST API answers 503 and tells the client to retry with the same {@code Idempotency-Key}.
 *
 * @since 0.1
 */
final class PaymentPublisher implements AutoCloseable {

    /** The longest a payment waits for Kafka: {@code max.block.ms} plus {@code delivery.timeout.ms}, and a margin. */
    static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final Producer<String, byte[]> producer;
    private final Scheduler sendThread = Schedulers.newSingle("payment-publisher");
    private final String topic;

    PaymentPublisher(String bootstrapServers, String topic) {
        this.topic = topic;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.LINGER_MS_CONFIG,
                5,
                // a send waits at most 5 s for metadata or buffer space, and its record is acknowledged or failed
                // within 20 s: both well inside SEND_TIMEOUT, so the timeout below is a backstop, not the rule
                ProducerConfig.MAX_BLOCK_MS_CONFIG,
                5_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                10_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                20_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class));
    }

    /**
     * Sends one payment; completes with where it landed, errors with Kafka's failure when Kafka refused it, or with a
     * {@link PaymentNotConfirmedException} when no answer came within {@link #SEND_TIMEOUT}.
     */
    Mono<RecordMetadata> send(PaymentMessage payment) {
        return send(record(payment))
                .timeout(
                        SEND_TIMEOUT,
                        Mono.error(() -> new PaymentNotConfirmedException(
                                "Kafka did not confirm the payment within " + SEND_TIMEOUT.toSeconds() + " s")));
    }

    /**
     * Sends records in order as they come, up to 1,024 unacknowledged; emits for each whether Kafka acknowledged it.
     */
    Flux<Boolean> sendAll(Flux<ProducerRecord<String, byte[]>> records) {
        return records.flatMapSequential(
                record -> send(record).map(sent -> true).onErrorReturn(false), 1_024);
    }

    private Mono<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
        return Mono.<RecordMetadata>create(sink -> producer.send(record, (metadata, failure) -> {
                    if (failure != null) {
                        sink.error(failure);
                    } else {
                        sink.success(metadata);
                    }
                }))
                .subscribeOn(sendThread);
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
        producer.close(Duration.ofSeconds(10));
        sendThread.dispose();
    }
}
