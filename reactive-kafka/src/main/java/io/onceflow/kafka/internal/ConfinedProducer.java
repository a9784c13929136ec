package io.onceflow.kafka.internal;

import io.onceflow.kafka.KafkaSinkOptions;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * A transactional producer confined to a thread of its own: every call to it (begin, send, offsets, commit, abort,
 * close) runs as a task on that thread, so a transaction's steps are ordered without locks, and the pipeline's threads
 * never block on a broker.
 */
final class ConfinedProducer {

    private static final Logger LOG = LoggerFactory.getLogger(ConfinedProducer.class);
    private static final Logger COMMIT = LoggerFactory.getLogger("io.onceflow.COMMIT");

    /** A task of the producer thread. */
    @FunctionalInterface
    interface Task {
        void run() throws Exception;
    }

    private final KafkaSinkOptions options;
    private final String pipeline;
    private final String transactionalId;
    private final ExecutorService thread;
    private final Supplier<Producer<byte[], byte[]>> factory;

    private volatile @Nullable Producer<byte[], byte[]> producer;
    private boolean inTransaction; // producer thread only
    private long transactionBegan; // producer thread only

    /** A Kafka producer with {@link TransactionalClients#producer} settings. */
    ConfinedProducer(KafkaSinkOptions options, String pipeline, String transactionalId) {
        this(
                options,
                pipeline,
                transactionalId,
                () -> new KafkaProducer<>(
                        TransactionalClients.producer(options, transactionalId),
                        new ByteArraySerializer(),
                        new ByteArraySerializer()));
    }

    /** The producer {@code factory} makes, for tests on kafka-clients' {@code MockProducer}. */
    ConfinedProducer(
            KafkaSinkOptions options,
            String pipeline,
            String transactionalId,
            Supplier<Producer<byte[], byte[]>> factory) {
        this.options = options;
        this.pipeline = pipeline;
        this.transactionalId = transactionalId;
        this.factory = factory;
        this.thread = NamedThreads.single("onceflow-kafka-tx-" + transactionalId);
    }

    /** On the producer thread: creates the producer and fences any predecessor with its transactional id. */
    void open() {
        Producer<byte[], byte[]> created = factory.get();
        producer = created;
        created.initTransactions(); // fences a predecessor with this id and aborts its open transaction
    }

    /** On the producer thread: the producer, in a transaction (begun if none is open). */
    Producer<byte[], byte[]> inTransaction() {
        Producer<byte[], byte[]> client = producer;
        if (client == null) {
            throw new IllegalStateException("the writer has no producer");
        }
        if (!inTransaction) {
            client.beginTransaction();
            inTransaction = true;
            transactionBegan = System.nanoTime();
        }
        return client;
    }

    /**
     * On the producer thread: how long the open transaction has been open, zero when none is. Its start on the
     * transaction coordinator (the first partition added) comes after {@code beginTransaction}, so a transaction the
     * coordinator timed out is at least {@code transactionTimeout} old here.
     */
    Duration transactionAge() {
        return inTransaction ? Duration.ofNanos(System.nanoTime() - transactionBegan) : Duration.ZERO;
    }

    /** On the producer thread: the open transaction committed. */
    void committed() {
        inTransaction = false;
    }

    /**
     * On the producer thread: aborts the open transaction, if any ({@code checkpointId} -1 when it is not a
     * checkpoint's); an error from the abort itself never hides {@code cause}.
     */
    void abortQuietly(long checkpointId, Throwable cause) {
        Producer<byte[], byte[]> client = producer;
        if (!inTransaction || client == null) {
            return;
        }
        inTransaction = false;
        try {
            client.abortTransaction();
            if (checkpointId < 0) {
                COMMIT.info(
                        "pipeline={} transactionalId={} open transaction aborted: {}",
                        pipeline,
                        transactionalId,
                        cause.getMessage());
                return;
            }
            COMMIT.warn(
                    "pipeline={} checkpoint={} transactionalId={} aborted: {}",
                    pipeline,
                    checkpointId,
                    transactionalId,
                    cause.toString());
        } catch (RuntimeException abortFailure) {
            COMMIT.warn(
                    "pipeline={} checkpoint={} transactionalId={} failed ({}), and aborting failed too ({}); the"
                            + " transaction coordinator aborts it when the producer is fenced or times out",
                    pipeline,
                    checkpointId,
                    transactionalId,
                    cause.toString(),
                    abortFailure.toString());
        }
    }

    /** Runs {@code task} on the producer thread; a rejected or failing task fails {@code sink}, or is logged. */
    void execute(@Nullable MonoSink<?> sink, Task task) {
        try {
            thread.execute(() -> {
                try {
                    task.run();
                } catch (Throwable e) {
                    if (sink != null) {
                        sink.error(e);
                    } else {
                        LOG.warn("pipeline={} transactionalId={} producer task failed", pipeline, transactionalId, e);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            if (sink != null) {
                sink.error(new IllegalStateException("the Kafka transactional sink's writer is closed", e));
            }
        }
    }

    /**
     * Aborts any open transaction and closes the producer on its thread (never on the producer's network thread,
     * where {@code close()} would wait for itself). If the thread is stuck in a call to a broker that went away, the
     * producer is closed forcibly after {@link KafkaSinkOptions#closeTimeout()}.
     */
    Mono<Void> close() {
        return Mono.<Void>create(sink -> {
                    try {
                        thread.execute(() -> {
                            Producer<byte[], byte[]> client = producer;
                            if (client != null) {
                                abortQuietly(-1, new IllegalStateException("the run ended"));
                                closeQuietly(() -> client.close(options.closeTimeout()));
                            }
                            sink.success();
                        });
                    } catch (RejectedExecutionException e) {
                        sink.success();
                    }
                    thread.shutdown();
                })
                .timeout(options.closeTimeout().plusSeconds(2), Mono.fromRunnable(this::forceClose));
    }

    private void forceClose() {
        Producer<byte[], byte[]> client = producer;
        LOG.warn(
                "pipeline={} transactionalId={} the producer did not close within {}: closing it forcibly",
                pipeline,
                transactionalId,
                options.closeTimeout());
        if (client != null) {
            Thread closer = new Thread(() -> closeQuietly(() -> client.close(Duration.ZERO)), "onceflow-kafka-close");
            closer.setDaemon(true);
            closer.start();
        }
    }

    /** Runs {@code close}, logging rather than throwing what it throws. */
    void closeQuietly(Task close) {
        try {
            close.run();
        } catch (Exception e) {
            LOG.debug("pipeline={} closing a Kafka client failed: {}", pipeline, e.toString());
        }
    }
}
