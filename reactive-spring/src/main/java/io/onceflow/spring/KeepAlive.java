package io.onceflow.spring;

import io.onceflow.core.CheckpointEvent;
import io.onceflow.core.Pipeline;
import io.onceflow.core.PipelineStatus;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Checkpoints an idle pipeline, so that the age of its last checkpoint means something: a running pipeline with
 * nothing to read takes no checkpoint, and its health would otherwise turn DOWN while nothing is wrong.
 *
 * <pre>
 *   wait(interval) ─▶ idle for an interval? ─▶ checkpointNow() ─▶ wait(interval) ─▶ … (until disposed)
 *                     └ no: nothing            └ fails or times out: ignored, the next round tries again
 * </pre>
 *
 * <p>One timer at a time, armed after the previous round has finished. The loop this replaces,
 * {@code Flux.interval(period).concatMap(tick -> checkpointNow())}, died with {@code OverflowException: Could not emit
 * tick ... due to lack of requests} after a pause of the JVM (SIGSTOP, a long GC, a suspended laptop): the periodic
 * timer fires the ticks it missed at once, while the first one's checkpoint is still in flight, and
 * {@code concatMap} has no demand for them. Here a missed round is simply not run, and a round that fails ends
 * nothing.
 */
final class KeepAlive {

    private static final Logger LOG = LoggerFactory.getLogger(KeepAlive.class);

    private KeepAlive() {}

    /**
     * The rounds, forever; subscribe to start them, dispose to stop.
     *
     * @param pipeline the pipeline to keep checkpointed
     * @param interval the time between rounds, and how long the pipeline must have been idle to be checkpointed
     * @param time where the timer and the clock come from (the pipeline's scheduler)
     * @param runningSince when the current run started, by {@code time}; -1 if it has not
     */
    static Flux<CheckpointEvent> rounds(
            Pipeline pipeline, Duration interval, Scheduler time, LongSupplier runningSince) {
        Duration checkpointTimeout = pipeline.options().checkpointTimeout();
        return Mono.delay(interval, time)
                .then(Mono.defer(() -> idle(pipeline, interval, time, runningSince)
                        ? pipeline.checkpointNow().timeout(checkpointTimeout, time)
                        : Mono.<CheckpointEvent>empty()))
                .doOnNext(event -> LOG.debug("pipeline={} idle: checkpoint {} taken", pipeline.name(), event))
                .onErrorResume(failure -> {
                    LOG.debug("pipeline={} idle checkpoint not taken: {}", pipeline.name(), failure.toString());
                    return Mono.empty();
                })
                .repeat();
    }

    /** Whether the pipeline runs and has completed no checkpoint for an interval (or since it started). */
    static boolean idle(Pipeline pipeline, Duration interval, Scheduler time, LongSupplier runningSince) {
        PipelineStatus status = pipeline.status();
        if (status.state() != PipelineStatus.State.RUNNING) {
            return false;
        }
        long since = status.lastCompletedAtMillis() >= 0 ? status.lastCompletedAtMillis() : runningSince.getAsLong();
        return since >= 0 && time.now(TimeUnit.MILLISECONDS) - since >= interval.toMillis();
    }
}
