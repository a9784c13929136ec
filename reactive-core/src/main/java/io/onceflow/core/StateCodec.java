package io.onceflow.core;

import io.onceflow.core.internal.state.JsonStateCodec;

/**
 * Turns keyed state into bytes for the commit point, and back on recovery.
 *
 * <p>Encoding must be deterministic enough that a decoded value behaves as the encoded one did; it need not be
 * byte-for-byte stable. The default is JSON through Jackson 3.
 *
 * @param <S> the state type
 * @since 0.1
 */
public interface StateCodec<S> {

    /** The state as bytes. */
    byte[] encode(S state);

    /** The state from bytes that {@link #encode} produced. */
    S decode(byte[] bytes);

    /** JSON through Jackson 3, for records, beans, collections and scalars of type {@code type}. */
    static <S> StateCodec<S> json(Class<S> type) {
        return new JsonStateCodec<>(type);
    }
}
