package io.onceflow.core;

import static java.util.Objects.requireNonNull;

/**
 * The aggregate of one key in one event-time window.
 *
 * @param key the key
 * @param start the window's start, inclusive, in epoch milliseconds
 * @param end the window's end, exclusive, in epoch milliseconds
 * @param value the aggregate
 * @param update whether this re-emits a window that already fired, updated by a late record
 * @param <K> the key type
 * @param <A> the aggregate type
 * @since 0.1
 */
public record WindowResult<K, A>(K key, long start, long end, A value, boolean update) {

    public WindowResult {
        requireNonNull(key, "key");
        requireNonNull(value, "value");
        if (end <= start) {
            throw new IllegalArgumentException("end must be after start, was [" + start + ", " + end + ")");
        }
    }
}
