package io.onceflow.core;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.internal.state.JsonStateCodec;

/**
 * Turns keyed state (or a window's key or aggregate) into bytes for the commit point, and back on recovery.
 *
 * <p>The contract is exactness: {@code decode(encode(s))} must equal {@code s}, with the same classes all the way
 * down (a {@code Long} stays a {@code Long}, a sealed subtype stays that subtype, a {@code BigDecimal} keeps its
 * scale). A codec that cannot encode a value throws; the checkpoint then fails with a
 * {@link StateCodecException} naming the operator, the key and the type (the cause of a
 * {@link CheckpointFailedException} when the commit point encoded the value: see {@link Marker}), and nothing of it
 * commits; the pipeline stops. The bytes need
 * not be stable from one version of a codec to the next, as long as the new one reads what the old one wrote; state
 * that no longer decodes stops the pipeline at restore unless dropping it is allowed
 * ({@link PipelineBuilder#allowDroppingState}).
 *
 * <p>The default codec is JSON through Jackson 3, bound to the declared {@link StateType} when there is one and to
 * the class of the initial state otherwise; see {@link StateType} for what each costs.
 *
 * @param <S> the state type
 * @since 0.1
 */
public interface StateCodec<S> {

    /** The state as bytes. */
    byte[] encode(S state);

    /** The state from bytes that {@link #encode} produced. */
    S decode(byte[] bytes);

    /** JSON through Jackson 3, for values of {@code type}: records, enums, scalars, a sealed interface. */
    static <S> StateCodec<S> json(Class<S> type) {
        return json(StateType.of(type));
    }

    /** JSON through Jackson 3, for values of the declared {@code type}, generics included. */
    static <S> StateCodec<S> json(StateType<S> type) {
        return JsonStateCodec.declared(requireNonNull(type, "type").type());
    }
}
