package io.onceflow.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.chaos.ledger.LedgerVariant;
import io.onceflow.chaos.ledger.Payment;
import io.onceflow.chaos.processor.LedgerPipelines;
import io.onceflow.chaos.processor.ProcessorSettings;
import io.onceflow.chaos.verify.InputLog;
import io.onceflow.chaos.verify.LedgerVerifier;
import io.onceflow.chaos.verify.Verdict;
import io.onceflow.core.Pipeline;
import io.onceflow.core.ProtocolListener;
import io.onceflow.core.ProtocolPoint;
import io.onceflow.sinks.r2dbc.OnceflowTables;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.PostgresDatabase;
import io.onceflow.testinfra.WithKafka;
import io.onceflow.testinfra.WithPostgres;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.ConnectionFactories;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * The protocol points, as the real participants reach them on a real broker and database, in this JVM: every point in
 * its place in each checkpoint, and a failure thrown at each of them recovered with exact outputs. The campaign then
 * halts whole processors at the same points.
 */
@WithKafka(mode = BrokerMode.IN_PROCESS, lifetime = WithKafka.Lifetime.PER_METHOD)
@WithPostgres
class ProtocolPointsIT {

    private static final int PAYMENTS = 2_000;

    private final List<Disposable> running = new ArrayList<>();
    private ConnectionPool pool;

    @BeforeEach
    void tables(PostgresDatabase database) throws Exception {
        for (LedgerVariant variant : List.of(LedgerVariant.KAFKA, LedgerVariant.POSTGRES)) {
            database.execute("DROP TABLE IF EXISTS " + variant.entriesTable() + ", " + variant.balancesTable());
            for (String statement : variant.ddl()) {
                database.execute(statement);
            }
        }
        for (String statement : OnceflowTables.defaults().ddl()) {
            database.execute(statement);
        }
        database.execute(
                "DELETE FROM onceflow_offsets; DELETE FROM onceflow_state; DELETE FROM onceflow_state_log; DELETE FROM onceflow_checkpoints");
        pool = new ConnectionPool(ConnectionPoolConfiguration.builder(ConnectionFactories.get(database.r2dbcUrl()))
                .maxSize(4)
                .build());
    }

    @AfterEach
    void stop() {
        running.forEach(Disposable::dispose);
        pool.dispose();
    }

    @Test
    void theKafkaCommitPointReachesEveryPointInItsPlace(KafkaBroker broker, PostgresDatabase database)
            throws Exception {
        List<String> first = new CopyOnWriteArrayList<>();
        List<String> second = new CopyOnWriteArrayList<>();
        setUp(broker, LedgerVariant.KAFKA);
        run(broker, LedgerVariant.KAFKA, "0", recording(first));
        produce(broker, 0, PAYMENTS / 2);
        awaitCaughtUp(broker, database, LedgerVariant.KAFKA);
        run(broker, LedgerVariant.KAFKA, "1", recording(second)); // joins: the first gives partitions up
        awaitHeard(second, "DURING_RESTORE -1");
        produce(broker, PAYMENTS / 2, PAYMENTS);
        awaitCaughtUp(broker, database, LedgerVariant.KAFKA);

        assertCheckpointsInOrder(
                first,
                ProtocolPoint.AFTER_FLUSH,
                ProtocolPoint.AFTER_SEND_OFFSETS,
                ProtocolPoint.BEFORE_TRANSACTION_COMMIT,
                ProtocolPoint.AFTER_COMMIT);
        assertThat(first).contains("DURING_RESTORE -1", "DURING_REBALANCE -1");
        assertExact(broker, database, LedgerVariant.KAFKA);
    }

    @Test
    void thePostgresCommitPointReachesEveryPointInItsPlace(KafkaBroker broker, PostgresDatabase database)
            throws Exception {
        List<String> heard = new CopyOnWriteArrayList<>();
        setUp(broker, LedgerVariant.POSTGRES);
        run(broker, LedgerVariant.POSTGRES, "0", recording(heard));
        produce(broker, 0, PAYMENTS);
        awaitCaughtUp(broker, database, LedgerVariant.POSTGRES);

        assertCheckpointsInOrder(
                heard, ProtocolPoint.AFTER_FLUSH, ProtocolPoint.BEFORE_TRANSACTION_COMMIT, ProtocolPoint.AFTER_COMMIT);
        assertThat(heard).contains("DURING_RESTORE -1").noneMatch(line -> line.startsWith("AFTER_SEND_OFFSETS"));
        assertExact(broker, database, LedgerVariant.POSTGRES);
    }

    @Test
    void aFailureAtEachPointOfTheKafkaCommitPointIsRecoveredExactly(KafkaBroker broker, PostgresDatabase database)
            throws Exception {
        setUp(broker, LedgerVariant.KAFKA);
        List<ProtocolPoint> points = new ArrayList<>(LedgerVariant.KAFKA.points());
        points.remove(ProtocolPoint.DURING_REBALANCE); // needs a second instance: the campaign covers it
        List<ProtocolPoint> thrown = new CopyOnWriteArrayList<>();
        run(broker, LedgerVariant.KAFKA, "0", failingOnceAtEach(thrown, points));
        produceUntil(broker, () -> thrown.size() == points.size());
        awaitCaughtUp(broker, database, LedgerVariant.KAFKA);

        assertThat(thrown).containsExactlyInAnyOrderElementsOf(points);
        assertExact(broker, database, LedgerVariant.KAFKA);
    }

    @Test
    void aFailureAtEachPointOfThePostgresCommitPointIsRecoveredExactly(KafkaBroker broker, PostgresDatabase database)
            throws Exception {
        setUp(broker, LedgerVariant.POSTGRES);
        List<ProtocolPoint> points = new ArrayList<>(LedgerVariant.POSTGRES.points());
        points.remove(ProtocolPoint.DURING_REBALANCE);
        List<ProtocolPoint> thrown = new CopyOnWriteArrayList<>();
        run(broker, LedgerVariant.POSTGRES, "0", failingOnceAtEach(thrown, points));
        produceUntil(broker, () -> thrown.size() == points.size());
        awaitCaughtUp(broker, database, LedgerVariant.POSTGRES);

        assertThat(thrown).containsExactlyInAnyOrderElementsOf(points);
        assertExact(broker, database, LedgerVariant.POSTGRES);
    }

    // ---- helpers ----

    private static ProtocolListener recording(List<String> heard) {
        return (point, checkpointId) -> heard.add(point + " " + checkpointId);
    }

    /** Throws once at each of {@code points}, at its third occurrence (a restore: its first); records each throw. */
    private static ProtocolListener failingOnceAtEach(List<ProtocolPoint> thrown, List<ProtocolPoint> points) {
        Map<ProtocolPoint, AtomicInteger> seen = new ConcurrentHashMap<>();
        points.forEach(point -> seen.put(point, new AtomicInteger()));
        return (point, checkpointId) -> {
            AtomicInteger count = seen.get(point);
            int occurrence = count == null ? 0 : count.incrementAndGet();
            if (occurrence == (point == ProtocolPoint.DURING_RESTORE ? 1 : 3)) {
                thrown.add(point);
                throw new IllegalStateException("injected at " + point + " of checkpoint " + checkpointId);
            }
        };
    }

    private static void awaitHeard(List<String> heard, String line) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (!heard.contains(line)) {
            assertThat(System.nanoTime()).as("heard %s", line).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** For every checkpoint that reached its last point: all of {@code order} were reached, in that order. */
    private static void assertCheckpointsInOrder(List<String> heard, ProtocolPoint... order) {
        Map<Long, List<ProtocolPoint>> byCheckpoint = new HashMap<>();
        for (String line : heard) {
            String[] parts = line.split(" ");
            long id = Long.parseLong(parts[1]);
            if (id >= 0) {
                byCheckpoint.computeIfAbsent(id, k -> new ArrayList<>()).add(ProtocolPoint.valueOf(parts[0]));
            }
        }
        ProtocolPoint last = order[order.length - 1];
        List<Long> complete = byCheckpoint.entrySet().stream()
                .filter(e -> e.getValue().contains(last))
                .map(Map.Entry::getKey)
                .toList();
        assertThat(complete).as("checkpoints that completed").hasSizeGreaterThan(3);
        for (long id : complete) {
            // a subsequence: a commit retried after a rebalance reaches the Kafka sink's points twice
            assertThat(byCheckpoint.get(id))
                    .as("points of checkpoint %d", id)
                    .startsWith(order[0])
                    .containsSubsequence(order)
                    .endsWith(last);
        }
    }

    private static void setUp(KafkaBroker broker, LedgerVariant variant) {
        broker.createTopic(LedgerVariant.INPUT_TOPIC, 4);
        if (variant.kafkaCommitPoint()) {
            broker.createTopic(variant.entriesTopic(), 4);
        }
    }

    private void run(KafkaBroker broker, LedgerVariant variant, String instance, ProtocolListener listener) {
        ProcessorSettings settings = ProcessorSettings.of(variant, broker.bootstrapServers(), "unused", instance);
        Pipeline pipeline = LedgerPipelines.create(settings, pool, listener, new SimpleMeterRegistry());
        running.add(pipeline.run().subscribe(event -> {}, error -> {}));
    }

    /** Payments {@code from} to {@code to}, 50 every 100 ms, so that they span many checkpoints. */
    private static void produce(KafkaBroker broker, int from, int to) throws InterruptedException {
        try (KafkaProducer<String, byte[]> producer = producer(broker)) {
            for (int id = from; id < to; id++) {
                send(producer, id);
                if (id % 50 == 49) {
                    producer.flush();
                    Thread.sleep(100);
                }
            }
        }
    }

    /** Payments, 50 every 100 ms, until {@code done} (at most a minute). */
    private static void produceUntil(KafkaBroker broker, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        try (KafkaProducer<String, byte[]> producer = producer(broker)) {
            for (int id = 0; !done.getAsBoolean() || id % 50 != 0; id++) {
                assertThat(System.nanoTime()).as("every point reached").isLessThan(deadline);
                send(producer, id);
                if (id % 50 == 49) {
                    producer.flush();
                    Thread.sleep(100);
                }
            }
        }
    }

    private static KafkaProducer<String, byte[]> producer(KafkaBroker broker) {
        Properties properties = new Properties();
        properties.put("bootstrap.servers", broker.bootstrapServers());
        properties.put("enable.idempotence", "true");
        return new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer());
    }

    /** Payment {@code id}: account {@code id % 50}, whose sequence number it is {@code id / 50 + 1}. */
    private static void send(KafkaProducer<String, byte[]> producer, int id) {
        String account = "acct-" + (id % 50);
        Payment payment = new Payment(id, account, id / 50 + 1, 1 + (id * 7919L) % 1_000);
        producer.send(new ProducerRecord<>(LedgerVariant.INPUT_TOPIC, account, payment.encode()));
    }

    private static void awaitCaughtUp(KafkaBroker broker, PostgresDatabase database, LedgerVariant variant)
            throws Exception {
        LedgerVerifier verifier = new LedgerVerifier(broker.bootstrapServers(), database::openConnection);
        long[] ends = verifier.readInput().endOffsets();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            long[] positions = verifier.committedPositions(variant, ends.length);
            boolean done = true;
            for (int p = 0; p < ends.length; p++) {
                done &= positions[p] >= ends[p];
            }
            if (done) {
                return;
            }
            assertThat(System.nanoTime())
                    .as("caught up with %s", Arrays.toString(ends))
                    .isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    private static void assertExact(KafkaBroker broker, PostgresDatabase database, LedgerVariant variant)
            throws Exception {
        LedgerVerifier verifier = new LedgerVerifier(broker.bootstrapServers(), database::openConnection);
        InputLog input = verifier.readInput();
        assertThat(input.anomalies()).isEmpty();
        Verdict verdict = verifier.verify(variant, input);
        assertThat(verdict.exact()).as("%s", verdict).isTrue();
    }
}
