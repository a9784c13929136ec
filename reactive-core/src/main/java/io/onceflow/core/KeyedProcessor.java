package io.onceflow.core;

import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Processes one record with the current state of its key, emitting any number of outputs.
 *
 * <p>Must be deterministic (no wall clock, no random): a replay must reproduce the same state and outputs. Treat
 * state as an immutable value: return a new one rather than changing the one given (a state of an immutable type is
 * also cheaper to checkpoint: see {@link Keyed}).
 *
 * @param <K> the key type
 * @param <S> the state type
 * @param <T> the input type
 * @param <R> the output type
 * @since 0.1
 */
@FunctionalInterface
public interface KeyedProcessor<K, S, T, R> {

    /**
     * Processes {@code value}.
     *
     * @param key the record's key
     * @param state the key's state: restored, or the initial state
     * @param value the record's value
     * @param out receives the outputs, each inheriting the record's origin
     * @return the key's new state, or {@code null} to remove the entry
     */
    @Nullable
    S process(K key, S state, T value, Consumer<? super R> out);
}
