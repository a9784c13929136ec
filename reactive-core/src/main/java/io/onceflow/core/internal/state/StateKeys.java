package io.onceflow.core.internal.state;

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

    private static boolean wholeNumber(Object key) {
        return key instanceof Long || key instanceof Integer || key instanceof Short || key instanceof Byte;
    }
}
