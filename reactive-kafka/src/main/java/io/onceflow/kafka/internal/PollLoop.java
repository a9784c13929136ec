package io.onceflow.kafka.internal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A consumer polled on a thread of its own: each poll that returned records is one element, within demand.
 *
 * <pre>
 *   poll thread:  subscribe ─ poll ─ poll ─ poll ─ ... ─ close
 *                              │ records (one element a poll), only while requested
 *   subscriber:   ◀────────────┘ request(n) resumes the partitions, no demand pauses them
 * </pre>
 *
 * <p>It replaces reactor-kafka's receiver (discontinued) on the path every record takes. That receiver wrapped each
 * record in a {@code ReceiverRecord} with a committable offset and a tracing scope, which Onceflow never used: its
 * offsets follow checkpoints, through the commit point, never the consumer's acknowledgements. On the ledger job
 * that wrapping was about a sixth of the emitting thread's samples.
 *
 * <ul>
 *   <li><strong>Demand</strong>: one poll's records per requested element. Without demand the loop pauses every
 *       assigned partition and keeps polling, so that the member stays in its group (heartbeats, rebalance callbacks)
 *       and fetches nothing more into memory; a request resumes them, waking a poll that waits.
 *   <li><strong>Rebalances</strong>: the callbacks run on the poll thread, inside {@code poll()}. A partition assigned
 *       while the loop is paused is paused before the listener sees it.
 *   <li><strong>Cancellation</strong> (or an error): the loop stops and closes the consumer on the poll thread (its
 *       revocation callback runs there), then the thread ends.
 *   <li><strong>Errors</strong>: what {@code subscribe} or {@code poll()} throws, other than a wakeup, ends the
 *       records with it.
 * </ul>
 */
final class PollLoop<K, V> implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(PollLoop.class);

    private final Consumer<K, V> consumer;
    private final Duration pollTimeout;
    private final Duration closeTimeout;
    private final ExecutorService thread;
    private final Sinks.Many<ConsumerRecords<K, V>> records =
            Sinks.many().unicast().onBackpressureBuffer();
    private final AtomicLong requested = new AtomicLong();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicBoolean active = new AtomicBoolean(true);
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    /** Whether the loop paused the assignment for want of demand; written on the poll thread only. */
    private volatile boolean paused;

    private PollLoop(Consumer<K, V> consumer, Duration pollTimeout, Duration closeTimeout, String threadName) {
        this.consumer = consumer;
        this.pollTimeout = pollTimeout;
        this.closeTimeout = closeTimeout;
        this.thread = NamedThreads.single(threadName);
    }

    /**
     * The records of {@code consumer}, subscribed to {@code topics} with {@code listener} when the flux is
     * subscribed to, and closed when it is cancelled or fails.
     *
     * @param pollTimeout how long one poll waits for records: also how long a stop or a request may wait for a
     *     poll that a rebalance callback keeps from being woken
     * @param closeTimeout the bound on the consumer's close
     */
    static <K, V> Flux<ConsumerRecords<K, V>> records(
            Supplier<? extends Consumer<K, V>> consumer,
            Collection<String> topics,
            ConsumerRebalanceListener listener,
            Duration pollTimeout,
            Duration closeTimeout,
            String threadName) {
        requireNonNull(listener, "listener");
        List<String> subscription = List.copyOf(topics);
        return Flux.usingWhen(
                Mono.fromCallable(() -> {
                    PollLoop<K, V> loop = new PollLoop<>(consumer.get(), pollTimeout, closeTimeout, threadName);
                    loop.start(subscription, listener);
                    return loop;
                }),
                loop -> loop.records.asFlux().doOnRequest(loop::request),
                PollLoop::stop,
                (loop, error) -> loop.stop(),
                PollLoop::stop);
    }

    private void start(List<String> topics, ConsumerRebalanceListener listener) {
        execute(() -> {
            try {
                consumer.subscribe(topics, new Repausing(listener));
            } catch (RuntimeException e) {
                fail(e);
            }
        });
        schedule();
    }

    private void request(long n) {
        long now =
                requested.accumulateAndGet(n, (current, more) -> current + more < 0 ? Long.MAX_VALUE : current + more);
        if (now > 0 && paused) {
            consumer.wakeup(); // a paused poll waits its whole timeout for records that cannot come
        }
        schedule();
    }

    private void schedule() {
        if (active.get() && scheduled.compareAndSet(false, true)) {
            execute(this);
        }
    }

    /** One turn of the loop: pause or resume for the demand, poll, hand the records on. Poll thread only. */
    @Override
    public void run() {
        scheduled.set(false);
        if (!active.get()) {
            return;
        }
        try {
            if (requested.get() > 0) {
                if (paused) {
                    paused = false;
                    consumer.resume(consumer.assignment());
                }
            } else if (!paused) {
                paused = true;
                consumer.pause(consumer.assignment());
                if (requested.get() > 0) {
                    consumer.wakeup(); // a request came between the check and the pause: do not sit out the timeout
                }
            }
            ConsumerRecords<K, V> polled;
            try {
                polled = consumer.poll(pollTimeout);
            } catch (WakeupException woken) {
                polled = ConsumerRecords.empty();
            }
            if (!active.get()) {
                return; // stopping: the records go with the consumer; the next owner reads them again
            }
            if (!polled.isEmpty()) {
                requested.decrementAndGet();
                records.tryEmitNext(polled);
            }
            schedule();
        } catch (RuntimeException e) {
            if (active.get()) {
                fail(e);
            }
        }
    }

    private void fail(Throwable error) {
        LOG.debug("the source's consumer failed: {}", error.toString());
        records.tryEmitError(error);
    }

    /** Stops polling and closes the consumer on the poll thread; completes once it is closed. */
    private Mono<Void> stop() {
        if (active.compareAndSet(true, false)) {
            try {
                consumer.wakeup();
            } catch (RuntimeException alreadyClosed) {
                // nothing to wake
            }
            boolean queued = execute(() -> {
                try {
                    consumer.close(closeTimeout);
                } catch (RuntimeException e) {
                    LOG.warn("closing the source's consumer failed: {}", e.toString());
                } finally {
                    closed.complete(null);
                    thread.shutdown();
                }
            });
            if (!queued) {
                closed.complete(null);
            }
        }
        return Mono.fromFuture(closed, true);
    }

    private boolean execute(Runnable task) {
        try {
            thread.execute(task);
            return true;
        } catch (RejectedExecutionException shutDown) {
            return false;
        }
    }

    /** Pauses what is assigned while the loop is paused, before the listener sees it. */
    private final class Repausing implements ConsumerRebalanceListener {
        private final ConsumerRebalanceListener delegate;

        Repausing(ConsumerRebalanceListener delegate) {
            this.delegate = delegate;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (paused && !partitions.isEmpty()) {
                consumer.pause(new ArrayList<>(partitions));
            }
            delegate.onPartitionsAssigned(partitions);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            delegate.onPartitionsRevoked(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            delegate.onPartitionsLost(partitions);
        }
    }
}
