package io.onceflow.core.internal.state;

import io.onceflow.core.KeyEncodingException;
import io.onceflow.core.internal.text.Utf8Text;

/**
 * Encodes keyed operators' state keys as strings for the commit point: a {@code String} key as itself, so that state
 * rows read naturally, a whole number as its digits, and any other key as its JSON. One operator's keys have one
 * type, so the encoding is injective; it is never decoded (a keyed operator finds a restored entry by the encoded
 * key of a record), so it need not say the key's class.
 */
public final class StateKeys {

    private StateKeys() {}

    public static String encode(Object key) {
        if (key instanceof String text) {
            return text;
        }
        if (wholeNumber(key)) {
            return key.toString(); // the same text as JSON, without a trip through Jackson on the hot path
        }
        return StateJson.PLAIN.writeValueAsString(key);
    }

    /** Whether {@link #encode} cannot fail for {@code key}: a string or a whole number. */
    public static boolean alwaysEncodable(Object key) {
        return key instanceof String || wholeNumber(key);
    }

    /**
     * Refuses a key whose stored form holds an unpaired UTF-16 surrogate: the sinks store keys as UTF-8, which has no
     * encoding for it, so it would be stored as {@code ?} and share its state with another key after a restore. Called
     * when a key is first seen, so that its record is dead-lettered rather than a checkpoint failed; a scan of the
     * text, which a string without surrogates passes at one comparison per character.
     *
     * @param operator the operator as a message names it, such as {@code keyed operator 'balances'}
     * @throws KeyEncodingException naming the key and the surrogate
     */
    public static void requireStorable(String operator, String stored) {
        int index = Utf8Text.unpairedSurrogate(stored);
        if (index >= 0) {
            throw new KeyEncodingException(
                    operator,
                    stored,
                    "it holds " + Utf8Text.describe(stored, index) + ", which UTF-8 cannot store: it would be stored"
                            + " as '?' and share its state with another key (such text usually comes from a lone \\u"
                            + " escape in JSON)",
                    null);
        }
    }

    private static boolean wholeNumber(Object key) {
        return key instanceof Long || key instanceof Integer || key instanceof Short || key instanceof Byte;
    }
}
