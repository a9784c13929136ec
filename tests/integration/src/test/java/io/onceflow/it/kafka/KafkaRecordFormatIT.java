package io.onceflow.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.Pipeline;
import io.onceflow.it.kafka.KafkaLedger.Input;
import io.onceflow.it.kafka.KafkaLedger.Payment;
import io.onceflow.kafka.DeadLetterHeaders;
import io.onceflow.kafka.DeserializationException;
import io.onceflow.kafka.IncomingRecord;
import io.onceflow.kafka.RecordFormat;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.WithKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * A source whose {@link RecordFormat} reads the whole record: the account is the record's key, the payment id a
 * header, and the value only the amount, as text. Every payment has exactly one effect, and records the format cannot
 * read (no payment-id header, no key) are dead-lettered with their origin.
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
class KafkaRecordFormatIT {

    private static final int PAYMENTS = 3_000;
    private static final String PAYMENT_ID = "payment-id";

    static {
        KafkaTestLogging.quiet();
    }

    /** The payment a record stands for: the key, a header and the value together. */
    static Payment payment(IncomingRecord record) {
        String account = record.keyAsString();
        String id = record.header(PAYMENT_ID);
        if (account == null || id == null) {
            throw new IllegalArgumentException("a payment needs a key (the account) and a " + PAYMENT_ID + " header");
        }
        long amount = Long.parseLong(new String(record.value(), StandardCharsets.UTF_8));
        return new Payment(Long.parseLong(id), account, amount);
    }

    @Test
    void keysAndHeadersReachThePipelineAndUnreadableRecordsAreDeadLettered(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        broker.createTopic("bare", 3);
        broker.createTopic("bare-balances", 3);
        broker.createTopic("bare-dlq", 1);
        Input input = new Input();
        RecordMetadata noHeader;
        RecordMetadata noKey;
        try (KafkaProducer<String, byte[]> producer = KafkaLedger.producer(bootstrap)) {
            Random random = new Random(7);
            for (long id = 0; id < PAYMENTS; id++) {
                Payment payment = new Payment(id, "acct-" + random.nextInt(50), 1 + random.nextInt(1_000));
                input.payments.put(id, payment);
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(
                        "bare",
                        payment.account(),
                        Long.toString(payment.amountCents()).getBytes(StandardCharsets.UTF_8));
                record.headers().add(PAYMENT_ID, Long.toString(id).getBytes(StandardCharsets.UTF_8));
                producer.send(record);
            }
            noHeader = producer.send(new ProducerRecord<>("bare", "acct-1", "5".getBytes(StandardCharsets.UTF_8)))
                    .get();
            ProducerRecord<String, byte[]> keyless = new ProducerRecord<>("bare", "6".getBytes(StandardCharsets.UTF_8));
            keyless.headers().add(PAYMENT_ID, "999999".getBytes(StandardCharsets.UTF_8));
            noKey = producer.send(keyless).get();
        }

        Pipeline pipeline = KafkaLedger.ledger(
                KafkaLedger.pipeline("bare", "0", new SimpleMeterRegistry()),
                KafkaLedger.sourceOptions(bootstrap, "bare")
                        .recordFormat(KafkaRecordFormatIT::payment)
                        .build(),
                KafkaLedger.sinkOptions(bootstrap).deadLetterTopic("bare-dlq").build(),
                "bare-balances",
                flux -> flux);
        Disposable running = pipeline.run().subscribe();
        try {
            KafkaLedger.awaitCaughtUp(bootstrap, "bare", "bare", Duration.ofMinutes(2));
            pipeline.stop().block(Duration.ofSeconds(60));
        } finally {
            running.dispose();
        }

        KafkaLedger.assertExactlyOnce(KafkaLedger.balances(bootstrap, "bare-balances"), input);
        List<ConsumerRecord<byte[], byte[]>> deadLetters = KafkaLedger.readAll(bootstrap, "bare-dlq");
        assertThat(deadLetters).hasSize(2);
        for (RecordMetadata where : List.of(noHeader, noKey)) {
            Map<String, String> headers = deadLetters.stream()
                    .map(record -> DeadLetterHeaders.read(record.headers()))
                    .filter(h -> h.get(DeadLetterHeaders.ORIGIN_OFFSET).equals(String.valueOf(where.offset()))
                            && h.get(DeadLetterHeaders.ORIGIN_PARTITION).equals(String.valueOf(where.partition())))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no dead letter for " + where));
            assertThat(headers.get(DeadLetterHeaders.STAGE)).isEqualTo("deserialize");
            assertThat(headers.get(DeadLetterHeaders.ERROR_CLASS)).isEqualTo(DeserializationException.class.getName());
            assertThat(headers.get(DeadLetterHeaders.ERROR_MESSAGE)).contains("needs a key (the account)");
        }
    }
}
