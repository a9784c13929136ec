package io.onceflow.core;

import static java.util.Objects.requireNonNull;

/**
 * A record value with the {@link Origin} it came from.
 *
 * @param value the record value, never null
 * @param origin where the record came from; derived records keep it
 * @param <T> the type of the value
 * @since 0.1
 */
public record Data<T>(T value, Origin origin) implements StreamElement<T> {

    public Data {
        requireNonNull(value, "value");
        requireNonNull(origin, "origin");
    }

    /** A record with the same origin and another value: what every derived record is. */
    public <R> Data<R> withValue(R newValue) {
        return new Data<>(newValue, origin);
    }
}
