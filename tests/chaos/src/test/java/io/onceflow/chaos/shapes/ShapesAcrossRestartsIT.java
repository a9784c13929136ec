package io.onceflow.chaos.shapes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.chaos.group.GroupMembership;
import io.onceflow.chaos.shapes.ShapeGenerator.InputRecord;
import io.onceflow.chaos.verify.KafkaReads;
import io.onceflow.core.ProtocolListener;
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
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * Every shape run by two instances whose runs are cut off and started again in turn, in this JVM: each cut comes once
 * every shape has committed something since the last one, so every restart moves partitions and restores state and
 * positions. The last run must catch up, and every shape
 * commit exactly what the oracle computes.
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
@WithPostgres
class ShapesAcrossRestartsIT {

    private static final long SEED = Long.getLong("onceflow.chaos.seed", System.nanoTime());
    private static final int SHAPES = Integer.getInteger("onceflow.chaos.shapes", 8);
    private static final int RECORDS = Integer.getInteger("onceflow.chaos.shapeRecords", 600);
    private static final int CUTS = Integer.getInteger("onceflow.chaos.cuts", 4);

    @Test
    void everyShapeCommitsWhatTheOracleComputesAcrossRestarts(KafkaBroker broker, PostgresDatabase database)
            throws Exception {
        System.out.println("ShapesAcrossRestartsIT seed " + SEED + " (-Donceflow.chaos.seed=" + SEED + " reruns it)");
        for (String statement : OnceflowTables.defaults().ddl()) {
            database.execute(statement);
        }
        List<Shape> shapes = ShapeGenerator.shapes(SEED, SHAPES);
        try (KafkaProducer<byte[], byte[]> producer = producer(broker)) {
            for (Shape shape : shapes) {
                ShapePipelines.setUp(shape, broker, database);
                for (InputRecord record : ShapeGenerator.input(SEED, shape, RECORDS, System.currentTimeMillis())) {
                    producer.send(new ProducerRecord<>(
                            record.topic(), record.partition(), record.timestamp(), null, record.value()));
                }
            }
            producer.flush();
        }
        ConnectionPool pool =
                new ConnectionPool(ConnectionPoolConfiguration.builder(ConnectionFactories.get(database.r2dbcUrl()))
                        .maxSize(8)
                        .build());
        ShapeVerifier verifier = new ShapeVerifier(new KafkaReads(broker.bootstrapServers()), database::openConnection);
        // two instances of every shape, as two processors: each cut stops one of them and starts it again, so
        // partitions move between them (revocations, claims, restores) while the other keeps running
        List<List<Disposable>> instances =
                new ArrayList<>(List.of(start(shapes, broker, pool, "0"), start(shapes, broker, pool, "1")));
        try {
            for (int cut = 0; cut <= CUTS; cut++) {
                List<long[]> before = new ArrayList<>();
                for (Shape shape : shapes) {
                    before.add(verifier.committedPositions(shape));
                }
                long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                for (int i = 0; i < shapes.size(); i++) {
                    Shape shape = shapes.get(i);
                    long[] positions = before.get(i);
                    boolean last = cut == CUTS;
                    try {
                        await(String.format(
                                        "run %d: %s %s within 2 minutes",
                                        cut, shape.describe(), last ? "caught up" : "committed"))
                                .atMost(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))
                                .pollInterval(Duration.ofMillis(100))
                                .until(() -> last ? verifier.caughtUp(shape) : moved(verifier, shape, positions));
                    } catch (ConditionTimeoutException e) {
                        throw new AssertionError(e.getMessage() + " (" + verifier.lag(shape) + ")", e);
                    }
                }
                if (cut < CUTS) {
                    int victim = cut % 2;
                    instances.get(victim).forEach(Disposable::dispose);
                    instances.set(victim, start(shapes, broker, pool, String.valueOf(victim)));
                }
            }
        } finally {
            instances.forEach(running -> running.forEach(Disposable::dispose));
            pool.dispose();
        }
        for (ShapeVerifier.Timed judged : verifier.verifyAll(shapes)) {
            ShapeVerdict verdict = judged.verdict();
            System.out.println(verdict + " (judged in " + judged.millis() + " ms)");
            assertThat(verdict.exact()).as("%s", verdict).isTrue();
        }
    }

    private static boolean moved(ShapeVerifier verifier, Shape shape, long[] before) throws Exception {
        return verifier.caughtUp(shape) || !Arrays.equals(verifier.committedPositions(shape), before);
    }

    private static List<Disposable> start(
            List<Shape> shapes, KafkaBroker broker, ConnectionPool pool, String instanceId) {
        List<Disposable> running = new ArrayList<>();
        for (Shape shape : shapes) {
            running.add(ShapePipelines.create(
                            shape,
                            broker.bootstrapServers(),
                            pool,
                            instanceId,
                            GroupMembership.classic(Duration.ofSeconds(10)),
                            ProtocolListener.none(),
                            new SimpleMeterRegistry())
                    .run()
                    .subscribe());
        }
        return running;
    }

    private static KafkaProducer<byte[], byte[]> producer(KafkaBroker broker) {
        Properties properties = new Properties();
        properties.putAll(Map.of("bootstrap.servers", broker.bootstrapServers(), "acks", "all", "linger.ms", "5"));
        return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
