package io.onceflow.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.Pipeline;
import io.onceflow.core.PoisonRecordException;
import io.onceflow.it.kafka.KafkaLedger.Balance;
import io.onceflow.it.kafka.KafkaLedger.Input;
import io.onceflow.it.kafka.KafkaLedger.Payment;
import io.onceflow.kafka.DeadLetterHeaders;
import io.onceflow.kafka.DeserializationException;
import io.onceflow.kafka.KafkaRecord;
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
 * Poison records among 10,000 good payments: malformed JSON, JSON of the wrong types, payments a user function
 * throws on, and balances the sink's record function cannot write. Each lands in the dead-letter topic exactly once,
 * with its origin and the stage that failed; each good payment has exactly one effect. Without a dead-letter topic, the first poison record stops the pipeline with an error naming its topic,
 * partition and offset.
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
class KafkaPoisonRecordsIT {

    private static final int GOOD = 10_000;
    private static final int EACH_KIND = 25;

    static {
        KafkaTestLogging.quiet();
    }

    @Test
    void poisonGoesToTheDeadLetterTopicOnceAndGoodRecordsOnce(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        broker.createTopic("mixed", 4);
        broker.createTopic("mixed-balances", 4);
        broker.createTopic("mixed-dlq", 2);
        Input input = produceMixed(bootstrap, "mixed");

        Pipeline pipeline = KafkaLedger.ledger(
                KafkaLedger.pipeline("poison", "0", new SimpleMeterRegistry()),
                KafkaLedger.sourceOptions(bootstrap, "mixed").build(),
                KafkaLedger.sinkOptions(bootstrap).deadLetterTopic("mixed-dlq").build(),
                flux -> flux.map(KafkaPoisonRecordsIT::refuseBoom),
                KafkaPoisonRecordsIT::unless);
        Disposable running = pipeline.run().subscribe();
        try {
            KafkaLedger.awaitCaughtUp(bootstrap, "poison", "mixed", Duration.ofMinutes(2));
            pipeline.stop().block(Duration.ofSeconds(60));
        } finally {
            running.dispose();
        }

        KafkaLedger.assertExactlyOnce(KafkaLedger.balances(bootstrap, "mixed-balances"), input);

        List<ConsumerRecord<byte[], byte[]>> deadLetters = KafkaLedger.readAll(bootstrap, "mixed-dlq");
        assertThat(deadLetters).hasSize(4 * EACH_KIND);
        Map<String, Map<String, String>> byOrigin = KafkaLedger.deadLettersByOrigin(deadLetters);
        input.poison.forEach((label, where) -> {
            String origin = KafkaLedger.origin(where);
            Map<String, String> headers = byOrigin.get(origin);
            assertThat(headers).as("dead letter of %s at %s", label, origin).isNotNull();
            assertThat(headers.get(DeadLetterHeaders.ORIGIN_TOPIC)).isEqualTo("mixed");
            assertThat(headers.get(DeadLetterHeaders.ORIGIN_PARTITION)).isEqualTo(String.valueOf(where.partition()));
            assertThat(headers.get(DeadLetterHeaders.ORIGIN_OFFSET)).isEqualTo(String.valueOf(where.offset()));
            assertThat(headers.get(DeadLetterHeaders.PIPELINE)).isEqualTo("poison");
            assertThat(headers).containsKeys(DeadLetterHeaders.CHECKPOINT, DeadLetterHeaders.ERROR_STACK);
            if (label.startsWith("sink-boom")) {
                assertThat(headers.get(DeadLetterHeaders.STAGE)).isEqualTo("kafka-sink");
                assertThat(headers.get(DeadLetterHeaders.ERROR_CLASS))
                        .isEqualTo(IllegalArgumentException.class.getName());
                assertThat(headers.get(DeadLetterHeaders.ERROR_MESSAGE)).startsWith("no output for sink-boom-");
            } else if (label.startsWith("boom")) {
                assertThat(headers.get(DeadLetterHeaders.STAGE)).isEqualTo("map");
                assertThat(headers.get(DeadLetterHeaders.ERROR_CLASS)).isEqualTo(IllegalStateException.class.getName());
                assertThat(headers.get(DeadLetterHeaders.ERROR_MESSAGE)).contains("boom");
            } else {
                assertThat(headers.get(DeadLetterHeaders.STAGE)).isEqualTo("deserialize");
                assertThat(headers.get(DeadLetterHeaders.ERROR_CLASS))
                        .isEqualTo(DeserializationException.class.getName());
                assertThat(headers.get(DeadLetterHeaders.ERROR_MESSAGE))
                        .contains("topic mixed, partition " + where.partition() + ", offset " + where.offset());
            }
        });
        // the raw bytes of an undecodable record are kept as they were
        assertThat(deadLetters.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)))
                .contains("{not json at all");
    }

    @Test
    void withoutDeadLetterTopicTheFirstPoisonRecordStopsThePipeline(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        broker.createTopic("strict", 1);
        broker.createTopic("strict-balances", 1);
        RecordMetadata poison;
        try (KafkaProducer<String, byte[]> producer = KafkaLedger.producer(bootstrap)) {
            for (long id = 0; id < 100; id++) {
                producer.send(
                        new ProducerRecord<>("strict", "a", KafkaLedger.PAYMENTS.encode(new Payment(id, "a", 1))));
            }
            poison = producer.send(new ProducerRecord<>("strict", "a", "{\"id\": ".getBytes(StandardCharsets.UTF_8)))
                    .get();
        }
        Pipeline pipeline = KafkaLedger.ledger(
                KafkaLedger.pipeline("strict", "0", new SimpleMeterRegistry()),
                KafkaLedger.sourceOptions(bootstrap, "strict").build(),
                KafkaLedger.sinkOptions(bootstrap).build(),
                "strict-balances",
                flux -> flux);

        Throwable failure = pipeline.run()
                .then()
                .onErrorResume(e -> reactor.core.publisher.Mono.empty())
                .then(reactor.core.publisher.Mono.fromCallable(
                        () -> pipeline.status().lastError()))
                .block(Duration.ofMinutes(1));

        assertThat(failure)
                .isInstanceOf(PoisonRecordException.class)
                .hasMessageContaining("topic strict, partition 0, offset " + poison.offset());
        assertThat(pipeline.status().restarts())
                .as("not retried: a replay meets the same record")
                .isZero();
        // nothing of the failed checkpoint is visible
        assertThat(KafkaLedger.balances(bootstrap, "strict-balances")).hasSizeLessThanOrEqualTo(100);
    }

    /** The sink's record function: it cannot write the balances of accounts named {@code sink-boom-*}. */
    private static KafkaRecord unless(Balance balance) {
        if (balance.account().startsWith("sink-boom")) {
            throw new IllegalArgumentException("no output for " + balance.account());
        }
        return KafkaRecord.of("mixed-balances", balance.account(), balance);
    }

    private static Payment refuseBoom(Payment payment) {
        if (payment.account().startsWith("boom")) {
            throw new IllegalStateException("boom: account " + payment.account() + " is refused");
        }
        return payment;
    }

    /** Good payments with three kinds of poison interleaved at random places. */
    private static Input produceMixed(String bootstrap, String topic) throws Exception {
        Input input = new Input();
        Random random = new Random(11);
        int malformed = 0;
        int wrongTypes = 0;
        int booms = 0;
        int sinkBooms = 0;
        long id = 0;
        try (KafkaProducer<String, byte[]> producer = KafkaLedger.producer(bootstrap)) {
            int good = 0;
            while (good < GOOD
                    || malformed < EACH_KIND
                    || wrongTypes < EACH_KIND
                    || booms < EACH_KIND
                    || sinkBooms < EACH_KIND) {
                int pick = random.nextInt(GOOD / EACH_KIND + 4);
                String account = "acct-" + random.nextInt(200);
                if (pick == 0 && malformed < EACH_KIND) {
                    byte[] value = (malformed == 0 ? "{not json at all" : "{\"id\": " + id + ", \"account\": ")
                            .getBytes(StandardCharsets.UTF_8);
                    input.poison.put("malformed-" + malformed++, send(producer, topic, account, value));
                } else if (pick == 1 && wrongTypes < EACH_KIND) {
                    byte[] value = ("{\"id\": " + id + ", \"account\": \"" + account + "\", \"amountCents\": \"lots\"}")
                            .getBytes(StandardCharsets.UTF_8);
                    input.poison.put("wrong-types-" + wrongTypes++, send(producer, topic, account, value));
                } else if (pick == 2 && booms < EACH_KIND) {
                    Payment boom = new Payment(id, "boom-" + booms, 5);
                    input.poison.put(
                            "boom-" + booms++, send(producer, topic, account, KafkaLedger.PAYMENTS.encode(boom)));
                } else if (pick == 3 && sinkBooms < EACH_KIND) {
                    // a payment the keyed balance takes, whose balance the sink cannot write
                    Payment refused = new Payment(id, "sink-boom-" + sinkBooms, 7);
                    input.poison.put(
                            "sink-boom-" + sinkBooms++,
                            send(producer, topic, refused.account(), KafkaLedger.PAYMENTS.encode(refused)));
                } else if (good < GOOD) {
                    Payment payment = new Payment(id, account, 1 + random.nextInt(1_000));
                    input.payments.put(id, payment);
                    producer.send(new ProducerRecord<>(topic, account, KafkaLedger.PAYMENTS.encode(payment)));
                    good++;
                } else {
                    continue;
                }
                id++;
            }
        }
        return input;
    }

    private static RecordMetadata send(KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value)
            throws Exception {
        return producer.send(new ProducerRecord<>(topic, key, value)).get();
    }
}
