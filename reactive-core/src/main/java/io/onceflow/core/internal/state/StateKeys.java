package io.onceflow.core.internal.state;

/**
 * Encodes state keys as strings for the commit point: a {@code String} key as itself, so that state rows read
 * naturally, and any other key as its JSON. One operator's keys have one type, so the encoding is injective.
 */
public final class StateKeys {

    private StateKeys() {}

    public static String encode(Object key) {
        if (key instanceof String text) {
            return text;
        }
        if (key instanceof Long || key instanceof Integer || key instanceof Short || key instanceof Byte) {
            return key.toString(); // the same text as JSON, without a trip through Jackson on the hot path
        }
        return JsonStateCodec.MAPPER.writeValueAsString(key);
    }

    /** The key back from {@link #encode}, given the type of the operator's keys. */
    public static <K> K decode(String encoded, Class<K> type) {
        return type == String.class ? type.cast(encoded) : JsonStateCodec.MAPPER.readValue(encoded, type);
    }
}
