package io.onceflow.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.CheckpointFailedException;
import io.onceflow.core.KeyEncodingException;
import io.onceflow.core.NonTransientFailureException;
import io.onceflow.core.Pipeline;
import io.onceflow.it.kafka.KafkaLedger.Balance;
import io.onceflow.it.kafka.KafkaLedger.Input;
import io.onceflow.it.kafka.KafkaLedger.Payment;
import io.onceflow.kafka.DeadLetterHeaders;
import io.onceflow.kafka.DeliveryGuarantee;
import io.onceflow.kafka.Format;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSink;
import io.onceflow.kafka.KafkaSinkOptions;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.WithKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * Records the sink's producer refuses for their size (over {@code max.request.size}, 1 MiB). In a transaction, the
 * producer's refusal fails the checkpoint, and a restart replays the same record: before the sink checked sizes
 * itself, one such record made the pipeline restart for ever. Now an output record too large is a dead letter and
 * the others commit exactly once; a key whose state is too large for a changelog record stops the pipeline at once
 * (its state cannot be dead-lettered), naming the operator and the key.
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
class KafkaOversizedRecordsIT {

    /** Larger than the producer's default {@code max.request.size} alone. */
    private static final int OVERSIZED = 1_100_000;

    /** The producer's default {@code max.request.size}. */
    private static final int MAX_REQUEST_SIZE = 1024 * 1024;

    static {
        KafkaTestLogging.quiet();
    }

    @Test
    void anOutputTooLargeForTheProducerIsADeadLetterAndTheOthersCommitExactlyOnce(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        broker.createTopic("sized", 2);
        broker.createTopic("sized-balances", 2);
        broker.createTopic("sized-dlq", 1);
        Input input = new Input();
        Random random = new Random(5);
        // two accounts of one payment each whose balance is, as the producer counts it, exactly its limit and one
        // byte more: the first is sent and committed, the second is a dead letter
        Map<String, Integer> sizedAt = Map.of("edge-fits", MAX_REQUEST_SIZE, "edge-over", MAX_REQUEST_SIZE + 1);
        Map<String, String> keys = new HashMap<>();
        try (KafkaProducer<String, byte[]> producer = KafkaLedger.producer(bootstrap)) {
            long edgeId = 10_000;
            for (Map.Entry<String, Integer> edge : sizedAt.entrySet()) {
                Payment payment = new Payment(edgeId++, edge.getKey(), 100);
                keys.put(edge.getKey(), keyOfSize(new Balance(edge.getKey(), 100, 1, payment.id()), edge.getValue()));
                var sent = producer.send(
                        new ProducerRecord<>("sized", edge.getKey(), KafkaLedger.PAYMENTS.encode(payment)));
                if (edge.getValue() > MAX_REQUEST_SIZE) {
                    input.poison.put(edge.getKey(), sent.get());
                } else {
                    input.payments.put(payment.id(), payment);
                }
            }
            int wide = 0;
            for (long id = 0; id < 3_000; id++) {
                // every 120th payment goes to an account whose balances the record function makes too large
                boolean tooLarge = id % 120 == 7;
                String account = tooLarge ? "wide-" + wide++ : "acct-" + random.nextInt(50);
                Payment payment = new Payment(id, account, 1 + random.nextInt(1_000));
                var sent = producer.send(new ProducerRecord<>("sized", account, KafkaLedger.PAYMENTS.encode(payment)));
                if (tooLarge) {
                    input.poison.put(account, sent.get());
                } else {
                    input.payments.put(id, payment);
                }
            }
        }

        Pipeline pipeline = KafkaLedger.ledger(
                KafkaLedger.pipeline("sized", "0", new SimpleMeterRegistry()),
                KafkaLedger.sourceOptions(bootstrap, "sized").build(),
                KafkaLedger.sinkOptions(bootstrap)
                        .keyFormat(Format.utf8())
                        .valueFormat(KafkaLedger.BALANCES)
                        .deadLetterTopic("sized-dlq")
                        .build(),
                flux -> flux,
                (Balance balance) -> KafkaRecord.of(
                        "sized-balances",
                        balance.account().startsWith("wide-")
                                ? balance.account() + "-" + "w".repeat(OVERSIZED)
                                : keys.getOrDefault(balance.account(), balance.account()),
                        balance));
        Disposable running = pipeline.run().subscribe();
        try {
            KafkaLedger.awaitCaughtUp(bootstrap, "sized", "sized", Duration.ofMinutes(2));
            pipeline.stop().block(Duration.ofSeconds(60));
        } finally {
            running.dispose();
        }

        assertThat(pipeline.status().restarts()).as("no checkpoint failed").isZero();
        KafkaLedger.assertExactlyOnce(KafkaLedger.balances(bootstrap, "sized-balances"), input);
        List<ConsumerRecord<byte[], byte[]>> deadLetters = KafkaLedger.readAll(bootstrap, "sized-dlq");
        assertThat(deadLetters).hasSize(input.poison.size());
        Map<String, Map<String, String>> byOrigin = KafkaLedger.deadLettersByOrigin(deadLetters);
        input.poison.forEach((account, where) -> {
            Map<String, String> headers = byOrigin.get(KafkaLedger.origin(where));
            assertThat(headers).as("dead letter of %s", account).isNotNull();
            assertThat(headers.get(DeadLetterHeaders.STAGE)).isEqualTo("kafka-sink");
            assertThat(headers.get(DeadLetterHeaders.ERROR_CLASS)).isEqualTo(RecordTooLargeException.class.getName());
            assertThat(headers.get(DeadLetterHeaders.ERROR_MESSAGE))
                    .contains("the record for topic sized-balances is")
                    .contains("max.request.size");
        });
    }

    @ParameterizedTest
    @EnumSource(DeliveryGuarantee.class)
    void aKeyTooLongToBeStoredIsADeadLetterAndTheRestCommits(DeliveryGuarantee guarantee, KafkaBroker broker)
            throws Exception {
        String in = "huge-" + guarantee.name().toLowerCase();
        String out = in + "-balances";
        createTopics(broker, in, out);
        // the account alone: 700 kB, a record the broker takes; its key and state together would not fit a changelog
        // record, and the checkpoint would stop the pipeline: refused when first seen, it is one dead letter
        String account = "huge-" + "h".repeat(700_000);
        Input input = new Input();
        input.poison.put(account, sendPaymentsThen(broker, in, input, null, new Payment(100, account, 1)));
        KafkaSource<Payment> payments = KafkaSource.create(
                KafkaLedger.sourceOptions(bootstrap(broker), in).build());
        Pipeline pipeline = KafkaLedger.pipeline(in, "0", new SimpleMeterRegistry())
                .from(payments)
                .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                .to(KafkaSink.create(
                        payments,
                        sinkOptions(broker, guarantee, in),
                        (Balance balance) -> KafkaRecord.of(out, balance.account(), balance)));
        Disposable running = pipeline.run().subscribe();
        try {
            KafkaLedger.awaitCaughtUp(bootstrap(broker), in, in, Duration.ofMinutes(2));
            pipeline.stop().block(Duration.ofSeconds(60));
        } finally {
            running.dispose();
        }

        assertThat(pipeline.status().restarts()).as("no checkpoint failed").isZero();
        KafkaLedger.assertExactlyOnce(KafkaLedger.balances(bootstrap(broker), out), input);
        List<ConsumerRecord<byte[], byte[]>> deadLetters = KafkaLedger.readAll(bootstrap(broker), in + "-dlq");
        assertThat(deadLetters).hasSize(1);
        Map<String, String> headers =
                KafkaLedger.deadLettersByOrigin(deadLetters).get(KafkaLedger.origin(input.poison.get(account)));
        assertThat(headers).isNotNull();
        assertThat(headers.get(DeadLetterHeaders.STAGE)).isEqualTo("keyed:balances");
        assertThat(headers.get(DeadLetterHeaders.ERROR_CLASS)).isEqualTo(KeyEncodingException.class.getName());
        assertThat(headers.get(DeadLetterHeaders.ERROR_MESSAGE))
                .contains("the key 'huge-hhh")
                .contains("more than the 65536 a state key may have")
                .hasSizeLessThan(2_000);
    }

    @ParameterizedTest
    @EnumSource(DeliveryGuarantee.class)
    void aStateTooLargeForAChangelogRecordStopsThePipelineAndSaysWhich(DeliveryGuarantee guarantee, KafkaBroker broker)
            throws Exception {
        String in = "grown-" + guarantee.name().toLowerCase();
        String out = in + "-notes";
        createTopics(broker, in, out);
        // a state that grows with every payment: one of 1.1 million cents makes it larger than a changelog record
        sendPaymentsThen(broker, in, new Input(), "g", new Payment(100, "acct-grown", 1_100_000));
        KafkaSource<Payment> payments = KafkaSource.create(
                KafkaLedger.sourceOptions(bootstrap(broker), in).build());
        Pipeline pipeline = KafkaLedger.pipeline(in, "0", new SimpleMeterRegistry())
                .from(payments)
                .keyed(
                        "notes",
                        Payment::account,
                        account -> "",
                        (notes, payment) -> notes + "n".repeat((int) payment.amountCents()))
                .to(KafkaSink.create(
                        payments,
                        sinkOptions(broker, guarantee, in),
                        (String notes) -> KafkaRecord.of(out, "notes", String.valueOf(notes.length()))));

        Throwable failure = pipeline.run()
                .then()
                .onErrorResume(e -> Mono.empty())
                .then(Mono.fromCallable(() -> pipeline.status().lastError()))
                .block(Duration.ofMinutes(2));

        assertThat(failure).isInstanceOf(CheckpointFailedException.class);
        assertThat(failure.getCause()).isInstanceOf(NonTransientFailureException.class);
        assertThat(failure.getMessage())
                .contains("the keyed state of operator 'notes', key 'acct-grown'")
                .contains("does not fit in a record of changelog topic")
                .contains("max.request.size");
        assertThat(pipeline.status().restarts())
                .as("not retried: a replay meets the same state")
                .isZero();
    }

    /** The input topic {@code in}, its dead-letter topic and the output topic {@code out}, a partition each. */
    private static void createTopics(KafkaBroker broker, String in, String out) throws Exception {
        broker.createTopic(in, 1);
        broker.createTopic(out, 1);
        broker.createTopic(in + "-dlq", 1);
    }

    /**
     * Sends 100 payments of 1 cent to {@code acct-a} (each put in {@code input}), then {@code last} with record key
     * {@code lastKey}; returns where {@code last} went.
     */
    private static RecordMetadata sendPaymentsThen(
            KafkaBroker broker, String in, Input input, String lastKey, Payment last) throws Exception {
        try (KafkaProducer<String, byte[]> producer = KafkaLedger.producer(bootstrap(broker))) {
            for (long id = 0; id < 100; id++) {
                Payment payment = new Payment(id, "acct-a", 1);
                producer.send(new ProducerRecord<>(in, "a", KafkaLedger.PAYMENTS.encode(payment)));
                input.payments.put(id, payment);
            }
            return producer.send(new ProducerRecord<>(in, lastKey, KafkaLedger.PAYMENTS.encode(last)))
                    .get();
        }
    }

    /** The sink's options with {@code guarantee} and the dead-letter topic of {@code in}. */
    private static KafkaSinkOptions sinkOptions(KafkaBroker broker, DeliveryGuarantee guarantee, String in) {
        return KafkaLedger.sinkOptions(bootstrap(broker))
                .deliveryGuarantee(guarantee)
                .deadLetterTopic(in + "-dlq")
                .build();
    }

    /**
     * A key for {@code balance}'s output record that makes the record {@code size} bytes as the producer counts it
     * against {@code max.request.size} (with the value as {@link KafkaLedger#BALANCES} encodes it).
     */
    private static String keyOfSize(Balance balance, int size) {
        byte[] value = KafkaLedger.BALANCES.encode(balance);
        String prefix = balance.account() + "-";
        int padding = size;
        for (int attempt = 0; attempt < 10; attempt++) {
            String key = prefix + "e".repeat(padding);
            int counted = AbstractRecords.estimateSizeInBytesUpperBound(
                    RecordBatch.CURRENT_MAGIC_VALUE,
                    CompressionType.NONE,
                    key.getBytes(StandardCharsets.UTF_8),
                    value,
                    new Header[0]);
            if (counted == size) {
                return key;
            }
            padding += size - counted;
        }
        throw new AssertionError("no key makes a record of " + size + " bytes");
    }

    private static String bootstrap(KafkaBroker broker) {
        return broker.bootstrapServers();
    }
}
