package io.onceflow.kafka.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** Checks and prints raw Kafka client properties: reserved keys refused, secrets never printed. */
public final class ClientProperties {

    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final Pattern SECRET =
            Pattern.compile(".*(password|secret|jaas|token|credential|\\.key$|apikey|api\\.key).*");
    static final String REDACTED = "[hidden]";

    private ClientProperties() {}

    /**
     * An unmodifiable copy of {@code properties}, after checking none of them is {@code reserved}.
     *
     * @param reserved reserved keys, each with the typed option to use instead
     */
    public static Map<String, String> copy(String what, Map<String, String> properties, Map<String, String> reserved) {
        Map<String, String> copy = new LinkedHashMap<>();
        properties.forEach((key, value) -> {
            if (key == null || value == null) {
                throw new IllegalArgumentException(what + " must not hold null keys or values");
            }
            String instead = reserved.get(key);
            if (instead != null) {
                throw new IllegalArgumentException(what + " may not set '" + key + "': use " + instead);
            }
            copy.put(key, value);
        });
        return Collections.unmodifiableMap(copy);
    }

    /** The properties for printing: values of keys that look secret are hidden. */
    public static Map<String, String> redacted(Map<String, String> properties) {
        Map<String, String> shown = new LinkedHashMap<>();
        properties.forEach((key, value) -> shown.put(key, isSecret(key) ? REDACTED : value));
        return shown;
    }

    static boolean isSecret(String key) {
        return SECRET.matcher(key.toLowerCase(Locale.ROOT)).matches();
    }

    /** Checks a topic name as Kafka would, naming the option. */
    public static void checkTopicName(String what, String topic) {
        if (topic == null || !TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
            throw new IllegalArgumentException(
                    what + " must be 1 to 249 letters, digits, '.', '_' or '-', was '" + topic + "'");
        }
    }

    /** A numeric property's value. */
    public static long longValue(String key, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, was '" + value + "'", e);
        }
    }
}
