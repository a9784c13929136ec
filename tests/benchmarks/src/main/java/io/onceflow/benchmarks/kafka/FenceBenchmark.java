package io.onceflow.benchmarks.kafka;

import io.onceflow.benchmarks.BenchmarkOptions;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * How long a transactional producer's {@code initTransactions()} takes when its predecessor (the same
 * {@code transactional.id}) is gone with a transaction open, as after a SIGKILL: the fence a restarted Kafka sink
 * waits for before its first checkpoint. The coordinator answers {@code CONCURRENT_TRANSACTIONS} until it has aborted
 * the open transaction, and the producer asks again after {@code retry.backoff.ms}, a fixed pause for transactional
 * requests; the benchmark takes turns between the given values.
 *
 * <pre>
 * java -cp benchmarks.jar io.onceflow.benchmarks.kafka.FenceBenchmark [--retry-backoff-ms 100,20] [--rounds 10]
 * </pre>
 */
public final class FenceBenchmark {

    private static final String TOPIC = "fence";
    private static final int PARTITIONS = 4;

    private FenceBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = BenchmarkOptions.parse(args);
        List<String> backoffs =
                List.of(options.getOrDefault("retry-backoff-ms", "100,20").split(","));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "10"));
        try (KafkaBroker broker = KafkaBroker.start(BrokerMode.IN_PROCESS)) {
            String bootstrap = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1)))
                        .all()
                        .get(60, TimeUnit.SECONDS);
            }
            Map<String, List<Double>> millis = new HashMap<>();
            for (int round = 0; round < rounds + 1; round++) { // the first round warms up the broker and the JVM
                for (String backoff : backoffs) {
                    double taken = fenceOnce(bootstrap, "fence-" + backoff + "-" + round, backoff);
                    if (round > 0) {
                        millis.computeIfAbsent(backoff, b -> new ArrayList<>()).add(taken);
                    }
                }
            }
            for (String backoff : backoffs) {
                List<Double> sorted = new ArrayList<>(millis.get(backoff));
                sorted.sort(null);
                System.out.printf(
                        Locale.ROOT,
                        "retry.backoff.ms %s: initTransactions after a predecessor left its transaction open, median"
                                + " %.0f ms, min %.0f, max %.0f (%d rounds)%n",
                        backoff,
                        sorted.get(sorted.size() / 2),
                        sorted.get(0),
                        sorted.get(sorted.size() - 1),
                        sorted.size());
            }
        }
    }

    /** Opens a transaction with records in every partition, abandons it, and times its successor's fence. */
    private static double fenceOnce(String bootstrap, String transactionalId, String backoff) {
        KafkaProducer<byte[], byte[]> predecessor = producer(bootstrap, transactionalId, backoff);
        predecessor.initTransactions();
        predecessor.beginTransaction();
        for (int partition = 0; partition < PARTITIONS; partition++) {
            for (int i = 0; i < 100; i++) {
                predecessor.send(new ProducerRecord<>(TOPIC, partition, null, new byte[100]));
            }
        }
        predecessor.flush();
        predecessor.close(Duration.ZERO); // gone without ending its transaction: the coordinator still has it open
        try (KafkaProducer<byte[], byte[]> successor = producer(bootstrap, transactionalId, backoff)) {
            long start = System.nanoTime();
            successor.initTransactions();
            return (System.nanoTime() - start) / 1e6;
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap, String transactionalId, String backoff) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("bootstrap.servers", bootstrap);
        properties.put("transactional.id", transactionalId);
        properties.put("retry.backoff.ms", backoff);
        return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
