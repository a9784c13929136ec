package io.onceflow.kafka;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.NonTransientFailureException;
import io.onceflow.core.Origin;
import org.jspecify.annotations.Nullable;

/**
 * A Kafka record's value could not be decoded by the source's {@link Format}. Not retryable: the record is the same on
 * every replay.
 *
 * <p>The {@link KafkaSource} does not throw it: it puts it in a {@link io.onceflow.core.DeadLetter} with the record's
 * raw bytes, which the commit point writes to its dead-letter topic, or which stops the pipeline when there is none.
 *
 * @since 0.1
 */
public final class DeserializationException extends NonTransientFailureException {

    private static final long serialVersionUID = 1L;

    private final transient Origin origin;

    public DeserializationException(Origin origin, String problem, @Nullable Throwable cause) {
        super(
                "cannot deserialize the value of topic "
                        + requireNonNull(origin, "origin").source() + ", partition " + origin.partition() + ", offset "
                        + origin.offset() + ": " + problem,
                cause);
        this.origin = origin;
    }

    /** The record that could not be decoded. */
    public Origin origin() {
        return origin;
    }
}
