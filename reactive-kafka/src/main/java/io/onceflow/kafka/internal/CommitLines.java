package io.onceflow.kafka.internal;

import io.onceflow.core.Marker;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transactional sink's {@code io.onceflow.COMMIT} lines of one checkpoint: a transaction tried again after a
 * rebalance, and a commit with where its time went. Times are {@link System#nanoTime()} readings.
 */
final class CommitLines {

    private static final Logger COMMIT = LoggerFactory.getLogger("io.onceflow.COMMIT");

    private CommitLines() {}

    static void retried(String pipeline, long checkpointId, String transactionalId, int attempt, Exception cause) {
        COMMIT.info(
                "pipeline={} checkpoint={} transactionalId={} retried (attempt {}) after a rebalance: {}",
                pipeline,
                checkpointId,
                transactionalId,
                attempt,
                cause.toString());
    }

    /**
     * @param sealedAt when the marker sealed the checkpoint's records
     * @param start when the producer thread took up the commit
     * @param encoded when the records still unsent were encoded
     */
    static void committed(
            String pipeline,
            String transactionalId,
            Marker<?> marker,
            int records,
            int deadLetters,
            int unsent,
            long sealedAt,
            long start,
            long encoded) {
        COMMIT.debug(
                "pipeline={} checkpoint={} transactionalId={} committed records={} deadLetters={} stateChanges={}"
                        + " positions={} in {} ms, after {} µs waiting for the producer thread and {} µs encoding"
                        + " {} unsent records",
                pipeline,
                marker.checkpointId(),
                transactionalId,
                records,
                deadLetters,
                marker.stateChanges().size(),
                marker.positions(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                (start - sealedAt) / 1_000,
                (encoded - start) / 1_000,
                unsent);
    }
}
