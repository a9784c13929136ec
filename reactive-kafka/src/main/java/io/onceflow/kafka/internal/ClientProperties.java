package io.onceflow.kafka.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

/** Checks and prints raw Kafka client properties: reserved keys refused, secrets never printed. */
public final class ClientProperties {

    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    static final String REDACTED = "[hidden]";

    /**
     * The keys a Kafka client defines, each with whether its value is a secret: from the clients' own config
     * definitions ({@code ConfigDef.Type.PASSWORD}), so that every secret of the kafka-clients version in use is
     * known, not guessed from its name.
     */
    private static final Map<String, Boolean> KNOWN = known();

    private static Map<String, Boolean> known() {
        Map<String, Boolean> known = new java.util.HashMap<>();
        for (ConfigDef definition :
                List.of(ProducerConfig.configDef(), ConsumerConfig.configDef(), AdminClientConfig.configDef())) {
            definition
                    .configKeys()
                    .forEach((key, config) ->
                            known.merge(key, config.type == ConfigDef.Type.PASSWORD, Boolean::logicalOr));
        }
        return Map.copyOf(known);
    }

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

    /**
     * The properties for printing: a value is shown only for a key the Kafka clients define as not secret. The
     * values of password keys are hidden, and so are those of keys the clients do not define at all (a plugin's,
     * such as a schema registry's {@code basic.auth.user.info}), whose secrecy nothing declares.
     */
    public static Map<String, String> redacted(Map<String, String> properties) {
        Map<String, String> shown = new LinkedHashMap<>();
        properties.forEach((key, value) -> shown.put(key, isSecret(key) ? REDACTED : value));
        return shown;
    }

    /** Whether {@code key}'s value must not be printed: a password key, or a key the clients do not define. */
    static boolean isSecret(String key) {
        return KNOWN.getOrDefault(key, true);
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
