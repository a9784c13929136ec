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
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * Without faults, every sink set and every operator on the real broker and database commits exactly what the oracle
 * computes in memory: the campaign's comparison holds on a quiet run, so a mismatch under faults is the faults'.
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
@WithPostgres
class ShapesWithoutFaultsIT {

    private static final long SEED = Long.getLong("onceflow.chaos.seed", System.nanoTime());
    private static final int SHAPES = Integer.getInteger("onceflow.chaos.shapes", 12);
    private static final int RECORDS = Integer.getInteger("onceflow.chaos.shapeRecords", 400);

    @Test
    void everyShapeCommitsWhatTheOracleComputes(KafkaBroker broker, PostgresDatabase database) throws Exception {
        System.out.println("ShapesWithoutFaultsIT seed " + SEED + " (-Donceflow.chaos.seed=" + SEED + " reruns it)");
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
                        .maxSize(6)
                        .build());
        List<Disposable> running = new ArrayList<>();
        ShapeVerifier verifier = new ShapeVerifier(new KafkaReads(broker.bootstrapServers()), database::openConnection);
        try {
            for (Shape shape : shapes) {
                running.add(ShapePipelines.create(
                                shape,
                                broker.bootstrapServers(),
                                pool,
                                "0",
                                GroupMembership.classic(Duration.ofSeconds(10)),
                                ProtocolListener.none(),
                                new SimpleMeterRegistry())
                        .run()
                        .subscribe());
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            for (Shape shape : shapes) {
                await(shape.pipeline() + " caught up within 3 minutes")
                        .atMost(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> verifier.caughtUp(shape));
            }
        } finally {
            running.forEach(Disposable::dispose);
            pool.dispose();
        }
        for (ShapeVerifier.Timed judged : verifier.verifyAll(shapes)) {
            ShapeVerdict verdict = judged.verdict();
            System.out.println(verdict + " (judged in " + judged.millis() + " ms)");
            assertThat(verdict.exact()).as("%s", verdict).isTrue();
            assertThat(verdict.inputRecords()).isEqualTo(RECORDS);
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(KafkaBroker broker) {
        Properties properties = new Properties();
        properties.putAll(Map.of("bootstrap.servers", broker.bootstrapServers(), "acks", "all", "linger.ms", "5"));
        return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
