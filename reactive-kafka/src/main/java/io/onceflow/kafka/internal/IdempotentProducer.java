package io.onceflow.kafka.internal;

import io.onceflow.core.StageFailedException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * The at-least-once sink's producer, confined to a thread of its own: its creation, every send, flush and close run
 * as tasks there, so the pipeline's threads never block on a broker or a full {@code buffer.memory}.
 */
final class IdempotentProducer {

    private static final Logger LOG = LoggerFactory.getLogger(IdempotentProducer.class);

    /** A task of the producer thread. */
    @FunctionalInterface
    interface Task {
        void run() throws Exception;
    }

    private final String pipeline;
    private final Supplier<Producer<byte[], byte[]>> factory;
    private final ExecutorService thread;
    private final ExecutorService flusher;
    private final AtomicBoolean flushing = new AtomicBoolean();
    private volatile @Nullable Producer<byte[], byte[]> producer;

    IdempotentProducer(String pipeline, String clientId, Supplier<Producer<byte[], byte[]>> factory) {
        this.pipeline = pipeline;
        this.factory = factory;
        this.thread = NamedThreads.single("onceflow-kafka-alo-" + clientId);
        this.flusher = NamedThreads.single("onceflow-kafka-alo-flush-" + clientId);
    }

    /** Creates the producer, as the first task of the producer thread. */
    void open() {
        execute(null, error -> {}, () -> producer = factory.get());
    }

    /** On the producer thread: the producer. */
    Producer<byte[], byte[]> client() {
        Producer<byte[], byte[]> client = producer;
        if (client == null) {
            throw new IllegalStateException("the writer has no producer");
        }
        return client;
    }

    /**
     * Asks the producer, from a thread of its own, to send what it holds now rather than after {@code linger.ms}:
     * {@code flush()} also waits for every send to complete, for as long as the delivery timeout, which a checkpoint
     * must not (it waits for its own sends, at most {@code requestTimeout}). One flush at a time.
     */
    void flushAsync() {
        Producer<byte[], byte[]> client = client();
        if (flushing.compareAndSet(false, true)) {
            try {
                flusher.execute(() -> {
                    try {
                        client.flush();
                    } catch (RuntimeException e) {
                        // each send's callback reports its own failure
                    } finally {
                        flushing.set(false);
                    }
                });
            } catch (RejectedExecutionException e) {
                flushing.set(false);
            }
        }
    }

    /**
     * Runs {@code task} on the producer thread; what it throws fails {@code sink}, or goes to {@code otherwise}
     * without one (an {@link Error} as a {@link StageFailedException}).
     */
    void execute(@Nullable MonoSink<?> sink, Consumer<Throwable> otherwise, Task task) {
        try {
            thread.execute(() -> {
                try {
                    task.run();
                } catch (Throwable e) {
                    Throwable error =
                            e instanceof Error fatal ? new StageFailedException("kafka-sink", null, fatal) : e;
                    if (sink != null) {
                        sink.error(error);
                    } else {
                        otherwise.accept(error);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            if (sink != null) {
                sink.error(new IllegalStateException("the at-least-once Kafka sink's writer is closed", e));
            }
        }
    }

    /**
     * Closes the producer on its thread (what it still holds is sent, or given up after {@code timeout}: either way
     * the offsets of its checkpoint were not committed); forcibly, from another thread, if the producer thread is
     * stuck.
     */
    Mono<Void> close(Duration timeout) {
        return Mono.<Void>create(sink -> {
                    execute(null, error -> {}, () -> {
                        Producer<byte[], byte[]> client = producer;
                        if (client != null) {
                            quietly(() -> client.close(timeout));
                        }
                        sink.success();
                    });
                    thread.shutdown();
                    flusher.shutdown();
                    if (thread.isTerminated()) {
                        sink.success();
                    }
                })
                .timeout(timeout.plusSeconds(2), Mono.fromRunnable(this::forceClose));
    }

    private void forceClose() {
        Producer<byte[], byte[]> client = producer;
        LOG.warn("pipeline={} the at-least-once producer did not close in time: closing it forcibly", pipeline);
        if (client != null) {
            Thread closer = new Thread(() -> quietly(() -> client.close(Duration.ZERO)), "onceflow-kafka-close");
            closer.setDaemon(true);
            closer.start();
        }
    }

    /** Runs {@code task}, logging rather than throwing what it throws. */
    void quietly(Task task) {
        try {
            task.run();
        } catch (Exception e) {
            LOG.debug("pipeline={} closing a Kafka client failed: {}", pipeline, e.toString());
        }
    }
}
