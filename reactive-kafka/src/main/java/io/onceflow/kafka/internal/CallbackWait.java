package io.onceflow.kafka.internal;

import io.onceflow.core.TransientFailureException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * A rebalance callback's wait for the pipeline (a claim of assigned partitions, the checkpoint that closes revoked
 * ones): on the poll thread, bounded, and running meanwhile the poll-thread tasks that arrive, since the checkpoint
 * being waited for sends its offsets through them.
 */
final class CallbackWait {

    private CallbackWait() {}

    /**
     * Waits for {@code step} at most {@code timeout} and not beyond {@code ended} (the end of the run).
     *
     * @param polling the consumer whose poll thread this is, to run its tasks meanwhile; {@code null} when it is gone
     * @return the step's value
     * @throws CancellationException when the run ended first, or the thread was interrupted
     * @throws TransientFailureException when the step took longer than {@code timeout}
     */
    static <V> @Nullable V await(
            Mono<V> step, CompletableFuture<?> ended, @Nullable SourceConsumer polling, Duration timeout, String what) {
        CompletableFuture<V> result = step.toFuture();
        CompletableFuture<Object> either = CompletableFuture.anyOf(result, ended);
        try {
            if (polling != null) {
                polling.awaitRunningTasks(either, timeout.toMillis());
            } else {
                either.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (TimeoutException e) {
            // reported below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result.cancel(true);
            throw new CancellationException("interrupted while " + what);
        } catch (ExecutionException e) {
            // the step failed: reported below
        }
        if (!result.isDone()) {
            result.cancel(true);
            if (ended.isDone()) {
                throw new CancellationException("the run ended while " + what);
            }
            throw new TransientFailureException(what + " took longer than " + timeout, null);
        }
        try {
            return result.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw cause instanceof RuntimeException runtime ? runtime : new TransientFailureException(what, cause);
        }
    }
}
