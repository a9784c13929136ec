package io.onceflow.core.internal.state;

/**
 * Encodes state keys as strings for the commit point: a {@code String} key as itself, so that state rows read
 * naturally, and any other key as its JSON. One operator's keys have one type, so the encoding is injective.
 */
public final class StateKeys {

    private StateKeys() {}

    public static String encode(Object key) {
        return key instanceof String text ? text : JsonStateCodec.MAPPER.writeValueAsString(key);
    }

    /** The key back from {@link #encode}, given the type of the operator's keys. */
    public static <K> K decode(String encoded, Class<K> type) {
        return type == String.class ? type.cast(encoded) : JsonStateCodec.MAPPER.readValue(encoded, type);
    }
}
