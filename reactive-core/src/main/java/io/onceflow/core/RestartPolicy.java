package io.onceflow.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.function.Predicate;

/**
 * How a pipeline restarts after a failure: exponential backoff with jitter, a bounded number of consecutive
 * attempts, and a filter for the failures worth retrying.
 *
 * <p>A restart resubscribes from the last completed checkpoint: the commit point hands back positions and state,
 * and the records since are replayed. The attempt count resets after every completed checkpoint, so
 * {@code maxAttempts} bounds consecutive failures, not failures over a lifetime.
 *
 * @param maxAttempts consecutive restarts before the pipeline gives up with the last failure; defaults to
 *     {@code 10}
 * @param minBackoff the first backoff; defaults to 1 second
 * @param maxBackoff the longest backoff; defaults to 1 minute
 * @param jitter the random share of each backoff, from 0 to 1; defaults to {@code 0.5}
 * @param retryable which failures to restart on; defaults to {@link #isRetryableByDefault}
 * @since 0.1
 */
public record RestartPolicy(
        long maxAttempts,
        Duration minBackoff,
        Duration maxBackoff,
        double jitter,
        Predicate<? super Throwable> retryable) {

    public RestartPolicy {
        if (maxAttempts < 0) {
            throw new IllegalArgumentException("maxAttempts must be >= 0, was " + maxAttempts);
        }
        requireNonNull(minBackoff, "minBackoff");
        requireNonNull(maxBackoff, "maxBackoff");
        requireNonNull(retryable, "retryable");
        if (minBackoff.isNegative() || maxBackoff.compareTo(minBackoff) < 0) {
            throw new IllegalArgumentException(
                    "backoff must satisfy 0 <= minBackoff <= maxBackoff, was " + minBackoff + " and " + maxBackoff);
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("jitter must be between 0 and 1, was " + jitter);
        }
    }

    /** The defaults: 10 attempts, backoff from 1 s to 1 min, jitter 0.5, {@link #isRetryableByDefault}. */
    public static RestartPolicy defaults() {
        return new RestartPolicy(
                10, Duration.ofSeconds(1), Duration.ofMinutes(1), 0.5, RestartPolicy::isRetryableByDefault);
    }

    /** Never restart: the first failure stops the pipeline. */
    public static RestartPolicy never() {
        return new RestartPolicy(0, Duration.ZERO, Duration.ZERO, 0, t -> false);
    }

    /** This policy with another bound on consecutive attempts. */
    public RestartPolicy withMaxAttempts(long attempts) {
        return new RestartPolicy(attempts, minBackoff, maxBackoff, jitter, retryable);
    }

    /** This policy with other backoff bounds. */
    public RestartPolicy withBackoff(Duration min, Duration max) {
        return new RestartPolicy(maxAttempts, min, max, jitter, retryable);
    }

    /** This policy with another jitter. */
    public RestartPolicy withJitter(double newJitter) {
        return new RestartPolicy(maxAttempts, minBackoff, maxBackoff, newJitter, retryable);
    }

    /** This policy with another filter. */
    public RestartPolicy withRetryable(Predicate<? super Throwable> filter) {
        return new RestartPolicy(maxAttempts, minBackoff, maxBackoff, jitter, filter);
    }

    /**
     * The default filter: retry anything but a non-retryable {@link OnceflowException} (a poison record without a
     * dead-letter destination, a fenced instance, a misconfiguration) and a JVM {@link Error}.
     */
    public static boolean isRetryableByDefault(Throwable failure) {
        if (failure instanceof Error) {
            return false;
        }
        return !(failure instanceof OnceflowException onceflow) || onceflow.isRetryable();
    }
}
