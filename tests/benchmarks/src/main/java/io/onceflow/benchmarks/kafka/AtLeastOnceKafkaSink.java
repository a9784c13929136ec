package io.onceflow.benchmarks.kafka;

import io.onceflow.core.Data;
import io.onceflow.core.IdempotentSink;
import io.onceflow.core.Marker;
import io.onceflow.core.SinkContext;
import io.onceflow.core.SinkWriter;
import io.onceflow.kafka.Encoder;
import io.onceflow.kafka.KafkaRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import reactor.core.publisher.Mono;

/**
 * The at-least-once baseline's Kafka output: the transactional sink's writer without the transaction. The same
 * threads (the pipeline only appends; a producer thread encodes and sends in batches of 256, as records come), the
 * same producer settings, and at each checkpoint the rest is sent and the producer flushed, before the checkpoint
 * store records the positions. No changelog: the keyed state stays in the in-memory checkpoint store.
 *
 * <p>Declared an {@link IdempotentSink} only so that the pipeline accepts it next to a checkpoint store: a replay
 * writes its records again, so this output is at-least-once, not exactly-once. Benchmark use only.
 */
final class AtLeastOnceKafkaSink<T> implements IdempotentSink<T> {

    private static final int DRAIN_BATCH = 256;

    private final String bootstrap;
    private final Map<String, String> settings;
    private final Function<? super T, KafkaRecord> toRecord;
    private final Encoder<Object> keys;
    private final Encoder<Object> values;

    AtLeastOnceKafkaSink(
            String bootstrap,
            Map<String, String> settings,
            Function<? super T, KafkaRecord> toRecord,
            Encoder<Object> keys,
            Encoder<Object> values) {
        this.bootstrap = bootstrap;
        this.settings = settings;
        this.toRecord = toRecord;
        this.keys = keys;
        this.values = values;
    }

    @Override
    public String name() {
        return "kafka-at-least-once";
    }

    @Override
    public Mono<SinkWriter<T>> open(SinkContext context) {
        return Mono.fromCallable(() -> new Writer(context.pipeline()));
    }

    private final class Writer implements SinkWriter<T> {
        private final KafkaProducer<byte[], byte[]> producer;
        private final ExecutorService producerThread;
        private List<Data<T>> unsent = new ArrayList<>();
        private boolean drainScheduled;
        private volatile int buffered;

        Writer(String pipeline) {
            Map<String, Object> properties = new HashMap<>(settings);
            properties.put("bootstrap.servers", bootstrap);
            properties.put("enable.idempotence", "true");
            properties.put("acks", "all");
            properties.put("client.id", pipeline + "-at-least-once");
            producer = new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
            producerThread = Executors.newSingleThreadExecutor(runnable -> {
                Thread thread = new Thread(runnable, pipeline + "-producer");
                thread.setDaemon(true);
                return thread;
            });
        }

        @Override
        public void write(Data<T> record) {
            boolean drain = false;
            synchronized (this) {
                unsent.add(record);
                buffered++;
                if (!drainScheduled && unsent.size() >= DRAIN_BATCH) {
                    drainScheduled = true;
                    drain = true;
                }
            }
            if (drain) {
                producerThread.execute(this::send);
            }
        }

        /** On the producer thread: encodes and sends what has accumulated. */
        private void send() {
            List<Data<T>> batch;
            synchronized (this) {
                drainScheduled = false;
                batch = unsent;
                unsent = new ArrayList<>(Math.max(16, batch.size()));
            }
            for (Data<T> record : batch) {
                KafkaRecord target = toRecord.apply(record.value());
                Object key = target.key();
                producer.send(new ProducerRecord<>(
                        target.topic(),
                        null,
                        record.origin().timestamp(),
                        key == null ? null : keys.encode(key),
                        values.encode(target.value())));
            }
            synchronized (this) {
                buffered -= batch.size();
            }
        }

        @Override
        public Mono<Void> checkpoint(Marker<?> marker) {
            // sends everything written so far, including records of the next checkpoint: harmless at least once
            return Mono.create(sink -> producerThread.execute(() -> {
                try {
                    send();
                    producer.flush();
                    sink.success();
                } catch (RuntimeException e) {
                    sink.error(e);
                }
            }));
        }

        @Override
        public int bufferedRecords() {
            return buffered;
        }

        @Override
        public int maxBufferedRecords() {
            return 100_000; // the transactional sink's default
        }

        @Override
        public Mono<Void> close() {
            return Mono.create(sink -> producerThread.execute(() -> {
                producer.close();
                producerThread.shutdown();
                sink.success();
            }));
        }
    }
}
