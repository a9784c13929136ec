package io.onceflow.core;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Typed values that the participants of one pipeline run share with each other.
 *
 * <p>A Kafka source publishes its consumer's group metadata here, and a Kafka transactional sink reads it to send
 * the offsets in its transaction; neither needs to know the other's class. Thread-safe.
 *
 * @since 0.1
 */
public final class RunAttributes {

    private final ConcurrentMap<Key<?>, Object> values = new ConcurrentHashMap<>();

    /**
     * A typed key; compare by identity, so declare keys as constants.
     *
     * @param name a name for error messages
     * @param type the value's type
     * @param <A> the value's type
     */
    public record Key<A>(String name, Class<A> type) {

        public Key {
            requireNonNull(name, "name");
            requireNonNull(type, "type");
        }

        @Override
        public boolean equals(Object other) {
            return this == other;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }

    /** Sets {@code key} to {@code value}, replacing any previous value. */
    public <A> void put(Key<A> key, A value) {
        values.put(key, key.type().cast(requireNonNull(value, "value")));
    }

    /** The value of {@code key}, if set. */
    public <A> Optional<A> get(Key<A> key) {
        return Optional.ofNullable(values.get(key)).map(key.type()::cast);
    }
}
