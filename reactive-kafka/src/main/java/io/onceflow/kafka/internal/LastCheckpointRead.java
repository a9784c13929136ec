package io.onceflow.kafka.internal;

import io.onceflow.core.TransientFailureException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.LongConsumer;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * A Kafka sink writer's last completed checkpoint, read from its group's committed offsets on the writer's recovery
 * thread. The writer starts the read when it opens and does not wait for it there: the pipeline opens the source
 * meanwhile, and its consumer joins the group while this read and the producer's fence are under way (see
 * {@link io.onceflow.core.CommitPointWriter#lastCompletedCheckpointWhenKnown}). After a restart these are a cold
 * JVM's first requests, about a second each on a loaded 2-core host; one after the other they were most of the time
 * to the first output (profiling-notes.md, recovery).
 */
final class LastCheckpointRead {

    private final CompletableFuture<Long> read = new CompletableFuture<>();
    private final Duration timeout;

    /** @param timeout how long {@link #awaitKnown} waits, beyond which the read has failed anyway */
    LastCheckpointRead(Duration timeout) {
        this.timeout = timeout;
    }

    /**
     * Starts the read on {@code thread}.
     *
     * @param lastCheckpoint the read itself, on {@code thread}
     * @param translate names a failure of the read as the writer's (which pipeline, which sink)
     * @param onRead told the id once read (the writer's log line)
     */
    void start(
            Callable<Long> lastCheckpoint,
            Scheduler thread,
            Function<Throwable, ? extends RuntimeException> translate,
            LongConsumer onRead) {
        Mono.fromCallable(lastCheckpoint)
                .subscribeOn(thread)
                .doOnNext(onRead::accept)
                .onErrorMap(translate)
                .subscribe(read::complete, read::completeExceptionally);
    }

    /** Completes with the id once read, or with the read's failure. */
    Mono<Long> whenKnown() {
        return Mono.fromFuture(read, true);
    }

    /**
     * The id, waiting for the read if it is still under way: only a decorator of the writer that delegates
     * {@code lastCompletedCheckpoint()} and not {@code lastCompletedCheckpointWhenKnown()} waits here.
     */
    long awaitKnown() {
        try {
            return read.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException failed) {
            throw failed.getCause() instanceof RuntimeException e ? e : new IllegalStateException(failed.getCause());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the last completed checkpoint", interrupted);
        } catch (TimeoutException timedOut) {
            throw new TransientFailureException(
                    "the last completed checkpoint was not read within " + timeout, timedOut);
        }
    }
}
