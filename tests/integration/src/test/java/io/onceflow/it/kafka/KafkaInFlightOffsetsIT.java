package io.onceflow.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.Pipeline;
import io.onceflow.it.kafka.KafkaLedger.Balance;
import io.onceflow.it.kafka.KafkaLedger.Input;
import io.onceflow.it.kafka.KafkaLedger.Payment;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.WithKafka;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * A new owner claims a partition while its previous owner's transaction, holding that partition's offsets, is still
 * open (the previous owner crashed between sending its offsets and committing, or is a zombie about to commit). The
 * committed offset is then "unstable": the new owner must wait for that transaction to end and start where it says,
 * never take the partition for one without a committed offset and start it over. The long chaos campaign caught
 * exactly that (the admin client leaves unstable partitions out of its answer, it does not retry them): the first
 * payments of a partition applied twice.
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
class KafkaInFlightOffsetsIT {

    private static final int PAYMENTS = 1_000;
    private static final int APPLIED_BY_THE_PREVIOUS_OWNER = 300;

    static {
        KafkaTestLogging.quiet();
    }

    @Test
    void aNewOwnerWaitsForThePreviousOwnersTransactionAndStartsWhereItEnds(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        broker.createTopic("inflight", 1);
        broker.createTopic("inflight-balances", 1);
        Input input = KafkaLedger.produce(bootstrap, "inflight", 0, PAYMENTS, 20, 5);

        // the previous owner applied the first 300 payments: their balances and the offset 300, in one transaction
        // that it has not committed yet
        try (KafkaProducer<byte[], byte[]> previous = transactionalProducer(bootstrap)) {
            previous.initTransactions();
            previous.beginTransaction();
            Map<String, Balance> balances = new HashMap<>();
            List<ConsumerRecord<byte[], byte[]>> records = KafkaLedger.readAll(bootstrap, "inflight");
            for (ConsumerRecord<byte[], byte[]> record : records.subList(0, APPLIED_BY_THE_PREVIOUS_OWNER)) {
                Payment payment = KafkaLedger.PAYMENTS.decode(record.value());
                Balance balance = balances.getOrDefault(payment.account(), Balance.empty(payment.account()))
                        .apply(payment);
                balances.put(payment.account(), balance);
                previous.send(new ProducerRecord<>(
                        "inflight-balances", payment.account().getBytes(), KafkaLedger.BALANCES.encode(balance)));
            }
            previous.sendOffsetsToTransaction(
                    Map.of(new TopicPartition("inflight", 0), new OffsetAndMetadata(APPLIED_BY_THE_PREVIOUS_OWNER)),
                    new ConsumerGroupMetadata("inflight"));

            // the new owner claims the partition meanwhile; the previous owner commits a few seconds later
            Pipeline pipeline = KafkaLedger.ledger(
                    KafkaLedger.pipeline("inflight", "new-owner", new SimpleMeterRegistry()),
                    KafkaLedger.sourceOptions(bootstrap, "inflight").build(),
                    KafkaLedger.sinkOptions(bootstrap).build(),
                    "inflight-balances",
                    flux -> flux);
            Disposable running = pipeline.run().subscribe();
            try {
                // the previous owner commits once the new one has been assigned the partition: its claim is under way,
                // and cannot end before this commit (the offset is unstable until then)
                awaitAssigned(bootstrap, "inflight", new TopicPartition("inflight", 0));
                previous.commitTransaction();
                KafkaLedger.awaitCaughtUp(bootstrap, "inflight", "inflight", Duration.ofMinutes(2));
                pipeline.stop().block(Duration.ofSeconds(60));
            } finally {
                running.dispose();
            }
        }

        // one balance per payment: the first 300 from the previous owner, the rest from the new one; the new owner's
        // keyed state starts empty (the previous owner wrote no changelog), so only the effects are counted here
        Map<Long, Integer> effects = new TreeMap<>();
        KafkaLedger.balances(bootstrap, "inflight-balances")
                .forEach(balance -> effects.merge(balance.lastPaymentId(), 1, Integer::sum));
        assertThat(effects.keySet()).containsExactlyInAnyOrderElementsOf(input.payments.keySet());
        assertThat(effects.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey))
                .as("payments applied twice")
                .isEmpty();
    }

    /** Waits until a member of {@code group} is assigned {@code partition}. */
    private static void awaitAssigned(String bootstrap, String group, TopicPartition partition) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            await(partition + " assigned to a member of " + group)
                    .atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> admin.describeConsumerGroups(List.of(group)).all().get().get(group).members().stream()
                            .anyMatch(member ->
                                    member.assignment().topicPartitions().contains(partition)));
        }
    }

    private static KafkaProducer<byte[], byte[]> transactionalProducer(String bootstrap) {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("transactional.id", "inflight-previous-owner");
        props.put("transaction.timeout.ms", "60000");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
