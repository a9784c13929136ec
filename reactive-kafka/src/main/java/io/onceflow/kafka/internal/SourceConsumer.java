package io.onceflow.kafka.internal;

import io.onceflow.core.OnceflowException;
import io.onceflow.core.TransientFailureException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The source's Kafka consumer: a {@link KafkaConsumer} that does, on its own poll thread, what must not be done from
 * any other.
 *
 * <ul>
 *   <li>It runs tasks queued from other threads between polls, and while a rebalance callback waits: the
 *       transactional sink's {@code sendOffsetsToTransaction}, which needs the group metadata, read on this thread
 *       (reading it from another thread races with {@code poll()}, as reactor-kafka's {@code receiveExactlyOnce}
 *       did, reactor-kafka#292), and group offset commits for lag tooling.
 *   <li>It tracks each partition's end from {@code currentLag}, which needs no request, for the lag gauge.
 *   <li>It tells the source when a revocation is in fact a loss (session expired): nothing can be committed then.
 *   <li>It rejoins its group when its assignor says a dead predecessor owed the group a rejoin ({@link
 *       HandoverAssignor}).
 * </ul>
 */
final class SourceConsumer extends KafkaConsumer<byte[], byte[]> {

    /** What the consumer reports to its source run. */
    interface Observer {
        /** A poll returned these records; called before anyone else sees them. */
        void polled(ConsumerRecords<byte[], byte[]> records);

        /** A partition's end, as far as the consumer knows. */
        void partitionEnd(TopicPartition partition, long end);

        /**
         * A partition was positioned at {@code position}, before its log's start {@code logStart}: the broker deleted
         * the records in between (retention) before the pipeline read them, and the consumer reads on from its start.
         */
        void expired(TopicPartition partition, long position, long logStart);

        /**
         * A poll ended without an error of its own (it returned, or was woken): what its rebalance callbacks left to
         * decide can be decided now. After a poll that throws, the poll's error decides.
         */
        void pollEnded();
    }

    private static final Runnable WAKE = () -> {};
    private static final String HANDOVER_REASON =
            "completing a handover of partitions that this static member's predecessor left unfinished";
    private static final Duration EXPIRY_CHECK_TIMEOUT = Duration.ofSeconds(5);

    private final Observer observer;
    private final CloseOptions.GroupMembershipOperation onClose;
    private final HandoverAssignor.Owed owed;
    private final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private final Map<TopicPartition, Long> positions = new HashMap<>(); // poll thread only
    private volatile boolean inCallback;
    private volatile boolean losing;
    private volatile boolean closed;

    /**
     * A consumer of {@code properties}.
     *
     * @param onClose how {@link #close(Duration)} treats the group: leaving it, or, for a static member, staying (see
     *     {@link SourceClients#onClose})
     */
    SourceConsumer(
            Map<String, Object> properties,
            Deserializer<byte[]> keys,
            Deserializer<byte[]> values,
            CloseOptions.GroupMembershipOperation onClose,
            Observer observer) {
        this(properties, keys, values, onClose, new HandoverAssignor.Owed(), observer);
    }

    /**
     * @param owed where the consumer's {@link HandoverAssignor} (under the classic protocol, unless the properties name
     *     another assignor) says that the consumer owes its group a rejoin; handed to it through the properties
     */
    private SourceConsumer(
            Map<String, Object> properties,
            Deserializer<byte[]> keys,
            Deserializer<byte[]> values,
            CloseOptions.GroupMembershipOperation onClose,
            HandoverAssignor.Owed owed,
            Observer observer) {
        super(HandoverAssignor.reportingTo(owed, properties), keys, values);
        this.observer = observer;
        this.onClose = onClose;
        this.owed = owed;
    }

    @Override
    public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
        runTasks();
        ConsumerRecords<byte[], byte[]> records;
        try {
            records = super.poll(timeout);
        } catch (WakeupException woken) {
            observer.pollEnded();
            runTasks(); // woken up for a task, most likely
            throw woken;
        }
        observer.pollEnded();
        if (owed.take()) {
            // after the poll whose assignment said so, not inside it: the rebalance starts with the next poll
            enforceRebalance(HANDOVER_REASON);
        }
        if (!records.isEmpty()) {
            observer.polled(records);
        }
        for (Map.Entry<TopicPartition, OffsetAndMetadata> next :
                records.nextOffsets().entrySet()) {
            positions.put(next.getKey(), next.getValue().offset());
        }
        for (Map.Entry<TopicPartition, Long> position : positions.entrySet()) {
            OptionalLong lag;
            try {
                lag = currentLag(position.getKey());
            } catch (IllegalStateException notAssigned) {
                continue;
            }
            if (lag.isPresent()) {
                observer.partitionEnd(position.getKey(), position.getValue() + lag.getAsLong());
            }
        }
        runTasks();
        return records;
    }

    /**
     * The group metadata as the consumer knows it now. Poll thread only: between polls, or in a rebalance callback,
     * it is the member's current generation.
     */
    ConsumerGroupMetadata currentGroupMetadata() {
        return super.groupMetadata();
    }

    /**
     * Runs {@code task} on the poll thread: between polls, or while a rebalance callback waits. Wakes a poll that
     * waits for records, so that the task does not wait for its timeout; never wakes up a callback, where a pending
     * wakeup would interrupt the rebalance.
     *
     * @return false when the consumer is closed: the task will never run
     */
    boolean onPollThread(Runnable task) {
        if (closed) {
            return false;
        }
        tasks.add(task);
        try {
            wakeup();
        } catch (RuntimeException closedMeanwhile) {
            // the task fails fast when the close runs what is left
        }
        return true;
    }

    /**
     * Wakes a poll that waits, but never a rebalance callback in progress: a pending wakeup would fail the next
     * consumer call the callback makes (reading partitions' metadata, their log start) and the rebalance with it.
     * The poll that runs the callback returns within its timeout anyway.
     */
    @Override
    public void wakeup() {
        if (!inCallback) {
            super.wakeup();
        }
    }

    /**
     * Runs {@code task} on the poll thread ({@link #onPollThread}); the future completes when it has, or fails with
     * what it threw, or at once when the consumer is closed.
     */
    CompletableFuture<Void> call(java.util.function.Consumer<SourceConsumer> task) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable run = () -> {
            try {
                task.accept(this);
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        };
        if (!onPollThread(run)) {
            done.completeExceptionally(closedError());
        }
        return done;
    }

    static OnceflowException closedError() {
        return new TransientFailureException("the KafkaSource's consumer is closed: no offsets can be sent", null);
    }

    /**
     * Waits for {@code result} on the poll thread, inside a rebalance callback, running the tasks that arrive
     * meanwhile (the checkpoint the callback waits for needs one to commit).
     */
    void awaitRunningTasks(CompletableFuture<?> result, long timeoutMillis) throws InterruptedException {
        result.whenComplete((value, error) -> tasks.add(WAKE));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!result.isDone()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            Runnable task = tasks.poll(left, TimeUnit.NANOSECONDS);
            if (task != null) {
                task.run();
            }
        }
    }

    /**
     * Notes where a partition was positioned by a seek (poll thread only), and whether the records from there are
     * still in the log: a committed position the broker's retention has passed would be reset silently by the
     * consumer ({@code auto.offset.reset}), so it is checked here, once per claim, and reported.
     */
    void positioned(TopicPartition partition, long offset) {
        positions.put(partition, offset);
        Long logStart;
        try {
            logStart =
                    beginningOffsets(List.of(partition), EXPIRY_CHECK_TIMEOUT).get(partition);
        } catch (RuntimeException unknown) {
            return; // the fetch finds out: a reset then goes unreported, nothing else changes
        }
        if (logStart != null && offset < logStart) {
            observer.expired(partition, offset, logStart);
        }
    }

    /** Whether the revocation in progress is a loss (poll thread only). */
    boolean losing() {
        return losing;
    }

    /**
     * Closes the consumer, leaving its group even as a static member (Kafka's own default keeps a static member's
     * place until its session expires): the group moves its partitions at once, as it would a dynamic member's. Unless
     * the source asked a static member to stay ({@code leaveGroupOnClose(false)}, for rolling restarts): then it keeps
     * its partitions until it starts again or its session expires. A crashed consumer leaves nothing: a classic static
     * member's successor takes its place at once either way; a consumer-protocol one's is refused until the dead
     * member's session expires.
     */
    @Override
    public void close(Duration timeout) {
        closed = true;
        try {
            super.close(CloseOptions.groupMembershipOperation(onClose).withTimeout(timeout));
        } finally {
            runTasks(); // what is left fails fast: the consumer is closed
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    @Override
    public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
        super.subscribe(topics, new Listener(listener));
    }

    @Override
    public void subscribe(Pattern pattern, ConsumerRebalanceListener listener) {
        super.subscribe(pattern, new Listener(listener));
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            task.run();
        }
    }

    /** Wraps the poll loop's listener: all three callbacks run on the poll thread, inside {@code poll()}. */
    private final class Listener implements ConsumerRebalanceListener {
        private final ConsumerRebalanceListener delegate;

        Listener(ConsumerRebalanceListener delegate) {
            this.delegate = delegate;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            inCallback = true;
            try {
                delegate.onPartitionsAssigned(partitions);
            } finally {
                inCallback = false;
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            inCallback = true;
            try {
                delegate.onPartitionsRevoked(partitions);
            } finally {
                inCallback = false;
                partitions.forEach(positions::remove);
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            inCallback = true;
            losing = true;
            try {
                delegate.onPartitionsLost(partitions);
            } finally {
                losing = false;
                inCallback = false;
                partitions.forEach(positions::remove);
            }
        }
    }
}
