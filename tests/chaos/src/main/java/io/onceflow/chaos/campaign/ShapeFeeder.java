package io.onceflow.chaos.campaign;

import io.onceflow.chaos.shapes.Shape;
import io.onceflow.chaos.shapes.ShapeGenerator;
import io.onceflow.chaos.shapes.ShapeGenerator.InputRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produces the generated shapes' inputs, paced over {@code production}, on a thread of its own, so that the shapes
 * are working when the faults strike. Each record goes to its topic and partition with its event time. The producer is
 * idempotent and not transactional, so a partition's offsets have no gaps (the oracle replays them by offset), and a
 * broker bounce delays records but neither loses nor duplicates them.
 */
final class ShapeFeeder implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(ShapeFeeder.class);

    private final String bootstrapServers;
    private final List<InputRecord> records = new ArrayList<>();
    private final Duration production;
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean done;
    private volatile boolean stopped;

    ShapeFeeder(String bootstrapServers, long seed, List<Shape> shapes, int recordsPerShape, Duration production) {
        this.bootstrapServers = bootstrapServers;
        this.production = production;
        List<List<InputRecord>> inputs = new ArrayList<>();
        for (Shape shape : shapes) {
            inputs.add(ShapeGenerator.input(seed, shape, recordsPerShape, System.currentTimeMillis()));
        }
        // interleaved: every shape's input spreads over the whole production time
        for (int i = 0; i < recordsPerShape; i++) {
            for (int s = 0; s < shapes.size(); s++) {
                records.add(inputs.get(s).get(i));
            }
        }
    }

    @Override
    public void run() {
        long start = System.nanoTime();
        double nanosPerRecord = records.isEmpty() ? 0 : (double) production.toNanos() / records.size();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int i = 0; i < records.size() && !stopped; i++) {
                long wait = start + (long) (i * nanosPerRecord) - System.nanoTime();
                if (wait > 2_000_000) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                InputRecord record = records.get(i);
                producer.send(
                        new ProducerRecord<>(
                                record.topic(), record.partition(), record.timestamp(), null, record.value()),
                        (metadata, error) -> {
                            if (error != null) {
                                failed.incrementAndGet();
                            }
                        });
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("the shapes' producer failed", e);
        } finally {
            done = true;
        }
    }

    private KafkaProducer<byte[], byte[]> producer() {
        Properties properties = new Properties();
        properties.put("bootstrap.servers", bootstrapServers);
        properties.put("acks", "all");
        properties.put("enable.idempotence", "true");
        properties.put("linger.ms", "10");
        properties.put("max.block.ms", String.valueOf(Duration.ofMinutes(5).toMillis()));
        properties.put(
                "delivery.timeout.ms", String.valueOf(Duration.ofMinutes(10).toMillis()));
        properties.put("request.timeout.ms", "10000");
        properties.put("client.id", "campaign-shapes");
        return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** True once every record has been sent and flushed (or the producer failed or stopped). */
    boolean done() {
        return done;
    }

    /** Stops producing (the campaign is failing). */
    void stop() {
        stopped = true;
    }

    /** Records whose send failed: their absence is in the topic, which the oracle reads. */
    long failed() {
        return failed.get();
    }

    int records() {
        return records.size();
    }
}
