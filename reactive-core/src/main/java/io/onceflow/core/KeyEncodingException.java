package io.onceflow.core;

import org.jspecify.annotations.Nullable;

/**
 * A record whose key has no stored form of its own: its state entry could not be committed, or would be committed
 * under the stored form of another key and share that key's state after a restore. The record is dead-lettered with
 * this as its error when its key is first seen, and no state changes; a checkpoint never meets the key.
 *
 * <p>The usual cause is text with an unpaired UTF-16 surrogate, such as a JSON string with a lone {@code \ud800}
 * escape: state keys are stored as UTF-8, which has no encoding for it (Java writes {@code ?} in its place). The others
 * are a key that its operator's key codec cannot encode, and a key longer than 64 KiB of UTF-8, which its state could
 * not be committed with (a key and its value go in one changelog record, 1 MiB by default). The message names the operator and the key (cut to
 * {@value DuplicateRecordException#MAX_KEY_CHARS} characters, control characters and unpaired surrogates escaped).
 *
 * @since 0.2
 */
public final class KeyEncodingException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /**
     * @param operator the operator, as a message names it: its kind and name, such as {@code keyed operator
     *     'balances'}
     * @param key the key, or its stored form
     * @param reason why the key cannot be stored
     * @param cause the codec's failure, if any
     */
    public KeyEncodingException(String operator, String key, String reason, @Nullable Throwable cause) {
        super(
                operator + ": the key " + DuplicateRecordException.shown(key) + " cannot be stored as state: " + reason,
                cause);
    }
}
