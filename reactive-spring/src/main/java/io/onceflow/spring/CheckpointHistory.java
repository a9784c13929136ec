package io.onceflow.spring;

import io.onceflow.core.Pipeline;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * A pipeline's recent checkpoints, kept from the moment the runner takes the pipeline on: the endpoint lists them,
 * and a dashboard that connects late gets them first, then each new one ({@link #replayAndFollow()}), so that its
 * chart does not start empty.
 */
final class CheckpointHistory implements Disposable {

    /** Checkpoints kept: a minute at two a second, and the endpoint's list. */
    static final int SIZE = 150;

    private final ArrayDeque<CheckpointRecord> recent = new ArrayDeque<>(SIZE); // guarded by this
    private final Sinks.Many<CheckpointRecord> replay = Sinks.many().replay().limit(SIZE);
    private final Disposable subscription;

    CheckpointHistory(Pipeline pipeline, Scheduler clock) {
        this.subscription =
                pipeline.events().subscribe(event -> add(CheckpointRecord.of(event, clock.now(TimeUnit.MILLISECONDS))));
    }

    private synchronized void add(CheckpointRecord record) {
        if (recent.size() == SIZE) {
            recent.removeFirst();
        }
        recent.addLast(record);
        // under the lock: a replay sink takes one emitter at a time
        replay.tryEmitNext(record);
    }

    /** The last {@code count} checkpoints, oldest first. */
    synchronized List<CheckpointRecord> last(int count) {
        List<CheckpointRecord> all = new ArrayList<>(recent);
        return List.copyOf(all.subList(Math.max(0, all.size() - count), all.size()));
    }

    /** The last completed checkpoint's record, or null. */
    synchronized @Nullable CheckpointRecord lastCompleted() {
        var iterator = recent.descendingIterator();
        while (iterator.hasNext()) {
            CheckpointRecord record = iterator.next();
            if (record.completed()) {
                return record;
            }
        }
        return null;
    }

    /** The kept checkpoints, then each new one; completes when the history is disposed. */
    Flux<CheckpointRecord> replayAndFollow() {
        return replay.asFlux();
    }

    @Override
    public void dispose() {
        subscription.dispose();
        synchronized (this) {
            replay.tryEmitComplete();
        }
    }

    @Override
    public boolean isDisposed() {
        return subscription.isDisposed();
    }
}
