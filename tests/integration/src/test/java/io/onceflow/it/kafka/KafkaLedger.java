package io.onceflow.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.onceflow.core.CheckpointedFlux;
import io.onceflow.core.Onceflow;
import io.onceflow.core.Pipeline;
import io.onceflow.core.PipelineBuilder;
import io.onceflow.core.RestartPolicy;
import io.onceflow.kafka.DeadLetterHeaders;
import io.onceflow.kafka.Format;
import io.onceflow.kafka.Json;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSinkOptions;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.kafka.KafkaSourceOptions;
import io.onceflow.kafka.KafkaTransactionalSink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The job every Kafka integration test runs, and the independent checks of its output.
 *
 * <p>Payments, keyed by account, go through a keyed running balance; each payment yields exactly one balance, which
 * names the payment that made it and how many payments the account has had. The audit reads the output topic with its
 * own {@code read_committed} consumer and checks exactly-once from the data alone: one output per input payment, the
 * per-account sequence 1..n without gap or repeat, and final balances equal to the input sums.
 */
public final class KafkaLedger {

    private KafkaLedger() {}

    /** A payment, with an id unique over the input. */
    record Payment(long id, String account, long amountCents) {}

    /** An account's running balance, with the payment that made it. */
    record Balance(String account, long cents, long payments, long lastPaymentId) {
        static Balance empty(String account) {
            return new Balance(account, 0, 0, -1);
        }

        Balance apply(Payment payment) {
            return new Balance(account, cents + payment.amountCents(), payments + 1, payment.id());
        }
    }

    static final Format<Payment> PAYMENTS = Json.of(Payment.class);
    static final Format<Balance> BALANCES = Json.of(Balance.class);

    /** What was produced: every payment by id, and where each record landed. */
    static final class Input {
        final Map<Long, Payment> payments = new HashMap<>();
        final Map<String, RecordMetadata> poison = new HashMap<>(); // label -> where it landed

        Map<String, Long> sums() {
            Map<String, Long> sums = new TreeMap<>();
            payments.values().forEach(p -> sums.merge(p.account(), p.amountCents(), Long::sum));
            return sums;
        }

        void addAll(Input other) {
            payments.putAll(other.payments);
            poison.putAll(other.poison);
        }
    }

    static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("acks", "all");
        props.put("linger.ms", "5");
        props.put("max.block.ms", "30000");
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /** Produces {@code count} payments with ids from {@code firstId}, over {@code accounts} accounts. */
    static Input produce(String bootstrap, String topic, long firstId, int count, int accounts, long seed) {
        return produce(bootstrap, topic, firstId, count, accounts, seed, "acct-", new Input());
    }

    /**
     * Produces payments as {@link #produce(String, String, long, int, int, long)} does, to accounts named with
     * {@code accountPrefix}, adding them to {@code input}.
     */
    static Input produce(
            String bootstrap,
            String topic,
            long firstId,
            int count,
            int accounts,
            long seed,
            String accountPrefix,
            Input input) {
        Random random = new Random(seed);
        List<Future<RecordMetadata>> sent = new ArrayList<>(count);
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            for (long id = firstId; id < firstId + count; id++) {
                Payment payment = new Payment(id, accountPrefix + random.nextInt(accounts), 1 + random.nextInt(10_000));
                input.payments.put(id, payment);
                sent.add(producer.send(new ProducerRecord<>(topic, payment.account(), PAYMENTS.encode(payment))));
            }
            producer.flush();
            // a payment the broker did not take is not input: the check must not count it as lost by the pipeline
            for (Future<RecordMetadata> future : sent) {
                future.get(60, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new AssertionError("producing the test's input to " + topic + " failed", e);
        }
        return input;
    }

    /** The usual options of the tests' source: short group timeouts so that rebalances and restarts are quick. */
    static KafkaSourceOptions.Builder<Payment> sourceOptions(String bootstrap, String topic) {
        return sourceOptions(bootstrap, topic, GroupProtocol.CLASSIC);
    }

    /**
     * The usual options under either group protocol. A classic group gets its short timeouts from the consumer; a
     * group of the consumer protocol from the test broker (6 s session, 1 s heartbeat: see BrokerSettings).
     */
    static KafkaSourceOptions.Builder<Payment> sourceOptions(String bootstrap, String topic, GroupProtocol protocol) {
        KafkaSourceOptions.Builder<Payment> options = KafkaSourceOptions.builder()
                .bootstrapServers(bootstrap)
                .topic(topic)
                .valueFormat(PAYMENTS)
                .groupProtocol(protocol);
        return protocol == GroupProtocol.CLASSIC
                ? options.consumerProperty("session.timeout.ms", 10_000)
                        .consumerProperty("heartbeat.interval.ms", 1_000)
                : options;
    }

    static KafkaSinkOptions.Builder sinkOptions(String bootstrap) {
        return KafkaSinkOptions.builder().bootstrapServers(bootstrap).transactionTimeout(Duration.ofSeconds(15));
    }

    static PipelineBuilder pipeline(String name, String instanceId, MeterRegistry meters) {
        return Onceflow.pipeline(name)
                .instanceId(instanceId)
                .checkpointEvery(Duration.ofMillis(200))
                .meterRegistry(meters)
                .restartPolicy(RestartPolicy.defaults()
                        .withMaxAttempts(50)
                        .withBackoff(Duration.ofMillis(200), Duration.ofSeconds(2)));
    }

    /** The ledger job: payments ─▶ keyed running balance ─▶ the output topic, one transaction per checkpoint. */
    static Pipeline ledger(
            PipelineBuilder builder,
            KafkaSourceOptions<Payment> source,
            KafkaSinkOptions sink,
            String output,
            UnaryOperator<CheckpointedFlux<Payment>> before) {
        return ledger(builder, source, sink, before, balance -> KafkaRecord.of(output, balance.account(), balance));
    }

    /** The ledger job with a record function of the test's own. */
    static Pipeline ledger(
            PipelineBuilder builder,
            KafkaSourceOptions<Payment> source,
            KafkaSinkOptions sink,
            UnaryOperator<CheckpointedFlux<Payment>> before,
            Function<Balance, KafkaRecord> toRecord) {
        KafkaSource<Payment> payments = KafkaSource.create(source);
        return before.apply(builder.from(payments))
                .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                .to(KafkaTransactionalSink.create(payments, sink, toRecord));
    }

    static Admin admin(String bootstrap) {
        return Admin.create(Map.of("bootstrap.servers", bootstrap));
    }

    /** The end offsets of a topic, as read_committed consumers see them. */
    static Map<TopicPartition, Long> endOffsets(String bootstrap, String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            return consumer.endOffsets(partitions, Duration.ofSeconds(30));
        }
    }

    /** Waits until the group has committed the end of every partition of {@code topic}. */
    static void awaitCaughtUp(String bootstrap, String group, String topic, Duration timeout) throws Exception {
        Map<TopicPartition, Long> ends = endOffsets(bootstrap, topic);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = admin(bootstrap)) {
            while (true) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata()
                        .get();
                boolean done = ends.entrySet().stream().allMatch(end -> {
                    OffsetAndMetadata offset = committed.get(end.getKey());
                    return offset != null && offset.offset() >= end.getValue();
                });
                if (done) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("group " + group + " did not catch up with " + ends + " within " + timeout
                            + "; committed: " + committed);
                }
                Thread.sleep(200);
            }
        }
    }

    /** Records committed so far by the group over {@code topic}. */
    static long committedRecords(Admin admin, String group) throws Exception {
        return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().values().stream()
                .filter(o -> o != null)
                .mapToLong(OffsetAndMetadata::offset)
                .sum();
    }

    static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        return consumer(bootstrap, "read_committed");
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String isolation) {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("isolation.level", isolation);
        props.put("enable.auto.commit", "false");
        props.put("max.poll.records", "5000");
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Every committed record of {@code topic}, read with an independent read_committed consumer to its end.
     *
     * <p>A producer's {@code commitTransaction} returns once the coordinator has logged the commit; the markers that
     * make the transaction's records visible reach each partition a moment later, and not all at once. So the end
     * read to is each partition's last stable offset once it has caught up with the high watermark (no transaction
     * pending there), waited for up to 30 s: read at once after a pipeline stopped, the group's offsets could already
     * be visible while a partition of the output still hid the same transaction's records.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = stableEnds(bootstrap, consumer, partitions);
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end " + ends);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    /**
     * The last stable offsets of {@code partitions}, once each has reached its high watermark (its transactions'
     * markers written), or as they are after 30 s (a transaction still open: what is committed so far).
     */
    private static Map<TopicPartition, Long> stableEnds(
            String bootstrap, KafkaConsumer<byte[], byte[]> committed, List<TopicPartition> partitions) {
        try (KafkaConsumer<byte[], byte[]> uncommitted = consumer(bootstrap, "read_uncommitted")) {
            try {
                // the markers are written within milliseconds of the commit
                Awaitility.await()
                        .atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> committed
                                .endOffsets(partitions, Duration.ofSeconds(30))
                                .equals(uncommitted.endOffsets(partitions, Duration.ofSeconds(30))));
            } catch (ConditionTimeoutException stillOpen) {
                // a transaction still open on the topic: what is committed so far is what there is to read
            }
            return committed.endOffsets(partitions, Duration.ofSeconds(30));
        }
    }

    /** The balances in the output topic, in partition order. */
    /**
     * The headers of each dead letter of {@code records} by its origin ({@code topic-partition@offset}, the dead
     * letter's key), checking that no origin has two.
     */
    static Map<String, Map<String, String>> deadLettersByOrigin(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, Map<String, String>> byOrigin = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            String origin = new String(record.key(), StandardCharsets.UTF_8);
            assertThat(byOrigin.put(origin, DeadLetterHeaders.read(record.headers())))
                    .as("dead letter %s once", origin)
                    .isNull();
        }
        return byOrigin;
    }

    /** Where {@code record} landed, as a dead letter names its origin. */
    static String origin(RecordMetadata record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }

    static List<Balance> balances(String bootstrap, String topic) {
        return readAll(bootstrap, topic).stream()
                .map(record -> BALANCES.decode(record.value()))
                .toList();
    }

    /**
     * Checks exactly-once from the output alone: one balance per payment, each account's balances numbered 1..n in
     * order, and each account's last balance equal to the sum of its payments.
     */
    static void assertExactlyOnce(List<Balance> outputs, Input input) {
        Map<Long, Integer> effects = new HashMap<>();
        outputs.forEach(b -> effects.merge(b.lastPaymentId(), 1, Integer::sum));
        List<Long> duplicated = effects.entrySet().stream()
                .filter(e -> e.getValue() > 1)
                .map(Map.Entry::getKey)
                .sorted()
                .limit(20)
                .toList();
        Set<Long> lost = new HashSet<>(input.payments.keySet());
        lost.removeAll(effects.keySet());
        Set<Long> unknown = new HashSet<>(effects.keySet());
        unknown.removeAll(input.payments.keySet());
        assertThat(duplicated).as("payments with more than one effect").isEmpty();
        assertThat(lost).as("payments without effect").isEmpty();
        assertThat(unknown).as("effects of no input payment").isEmpty();
        assertThat(outputs).as("one balance per payment").hasSize(input.payments.size());

        Map<String, List<Balance>> byAccount = new HashMap<>();
        outputs.forEach(b ->
                byAccount.computeIfAbsent(b.account(), a -> new ArrayList<>()).add(b));
        Map<String, Long> sums = input.sums();
        assertThat(byAccount.keySet()).isEqualTo(sums.keySet());
        byAccount.forEach((account, balances) -> {
            for (int i = 0; i < balances.size(); i++) {
                assertThat(balances.get(i).payments())
                        .as("sequence of %s at %d", account, i)
                        .isEqualTo(i + 1);
                Payment payment = input.payments.get(balances.get(i).lastPaymentId());
                assertThat(payment.account()).isEqualTo(account);
            }
            assertThat(balances.get(balances.size() - 1).cents())
                    .as("final balance of %s", account)
                    .isEqualTo(sums.get(account));
        });
    }
}
