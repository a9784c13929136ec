package io.onceflow.kafka.internal;

import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.jspecify.annotations.Nullable;

/**
 * One checkpoint's share of an {@link AtLeastOnceWriter}: what was written for it, and how many of its sends the
 * brokers have not acknowledged yet. It is the callback of every record sent for the checkpoint (records, dead
 * letters, state), so the checkpoint can wait for the last acknowledgement and fail on the first send that failed.
 * Its lists are guarded by the writer's monitor; the counters by this segment's.
 */
final class AtLeastOnceSegment<T> implements Callback {

    /** Records written but not yet handed to the producer. */
    List<Data<T>> unsent = new ArrayList<>();

    final List<DeadLetter<?>> deadLetters = new ArrayList<>();

    /** Set when the marker seals the segment. */
    long checkpointId = -1;

    /** Records written for this checkpoint. */
    int records;

    /** The first record that could not be encoded, when the sink has no dead-letter topic: it fails the checkpoint. */
    @Nullable
    DeadLetter<?> poison;

    private final Runnable answered;
    private final Callback uncounted = (metadata, exception) -> completed(exception);
    private int inFlight; // guarded by this
    private @Nullable Exception failure; // guarded by this

    /**
     * @param answered called once per output record sent with this segment as callback, when the broker has answered
     *     (acknowledged or failed), on the producer's network thread
     */
    AtLeastOnceSegment(Runnable answered) {
        this.answered = answered;
    }

    /** The callback of the checkpoint's other sends (dead letters, state): counted in flight, not as output records. */
    Callback uncounted() {
        return uncounted;
    }

    /** A send of this checkpoint is about to be handed to the producer. */
    synchronized void sending() {
        inFlight++;
    }

    /** A send that never reached the producer (it threw): it fails the checkpoint like an asynchronous failure. */
    synchronized void notSent(Exception cause) {
        inFlight--;
        if (failure == null) {
            failure = cause;
        }
        notifyAll();
    }

    /** An output record's send was answered. */
    @Override
    public void onCompletion(@Nullable RecordMetadata metadata, @Nullable Exception exception) {
        completed(exception);
        answered.run();
    }

    private synchronized void completed(@Nullable Exception exception) {
        inFlight--;
        if (exception != null && failure == null) {
            failure = exception;
        }
        notifyAll();
    }

    /**
     * Waits until every send of this checkpoint is acknowledged, at most {@code timeout}.
     *
     * @throws Exception the first send that failed
     * @throws java.util.concurrent.TimeoutException when acknowledgements are still missing after {@code timeout}
     */
    synchronized void awaitAcknowledged(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (failure == null && inFlight > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new java.util.concurrent.TimeoutException(
                        inFlight + " sends of checkpoint " + checkpointId + " were not acknowledged within " + timeout);
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** The first send of this checkpoint that failed, if any. */
    synchronized @Nullable Exception failure() {
        return failure;
    }

    /** Sends not yet acknowledged. */
    synchronized int inFlight() {
        return inFlight;
    }
}
