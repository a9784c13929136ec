package io.onceflow.spring;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;

/**
 * The names {@link OnceflowProperties} binds, derived from its record components (so that they never drift from the
 * class), and which of them hold maps or lists, whose entries are the application's to name.
 */
final class KnownProperties {

    private final Set<ConfigurationPropertyName> leaves = new TreeSet<>();
    private final List<ConfigurationPropertyName> containers = new ArrayList<>();
    private final Set<String> squashed = new TreeSet<>();

    private KnownProperties() {}

    /** The properties of {@link OnceflowProperties}. */
    static KnownProperties of() {
        KnownProperties known = new KnownProperties();
        known.walk(ConfigurationPropertyName.of(OnceflowProperties.PREFIX), OnceflowProperties.class);
        return known;
    }

    private void walk(ConfigurationPropertyName at, Class<?> type) {
        for (RecordComponent component : type.getRecordComponents()) {
            ConfigurationPropertyName name = at.append(dashed(component.getName()));
            Class<?> componentType = component.getType();
            if (componentType.isRecord() && componentType.getEnclosingClass() == OnceflowProperties.class) {
                walk(name, componentType);
            } else {
                leaves.add(name);
                squashed.add(squash(name.toString()));
                if (Map.class.isAssignableFrom(componentType) || Collection.class.isAssignableFrom(componentType)) {
                    containers.add(name);
                }
            }
        }
    }

    /**
     * Whether {@code name} is one of these properties, or an entry of one that holds a map or a list. With
     * {@code loose}, separators do not count: an environment variable such as {@code ONCEFLOW_KAFKA_BOOTSTRAP_SERVERS}
     * arrives as {@code onceflow.kafka.bootstrap.servers}.
     */
    boolean contains(ConfigurationPropertyName name, boolean loose) {
        if (leaves.contains(name)) {
            return true;
        }
        for (ConfigurationPropertyName container : containers) {
            if (container.isAncestorOf(name)) {
                return true;
            }
        }
        if (!loose) {
            return false;
        }
        String flat = squash(name.toString());
        return squashed.contains(flat)
                || containers.stream().map(c -> squash(c.toString())).anyMatch(flat::startsWith);
    }

    /** The known property closest to {@code name}, when it is close enough to be the one meant. */
    @Nullable
    String suggestion(ConfigurationPropertyName name) {
        String wanted = name.toString();
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (ConfigurationPropertyName leaf : leaves) {
            int distance = distance(wanted, leaf.toString());
            if (distance < bestDistance) {
                bestDistance = distance;
                best = leaf.toString();
            }
        }
        int lastElement =
                name.getLastElement(ConfigurationPropertyName.Form.DASHED).length();
        return bestDistance <= Math.max(2, lastElement / 3) ? best : null;
    }

    /** Every known property, in name order. */
    Set<ConfigurationPropertyName> names() {
        return leaves;
    }

    private static String dashed(String camel) {
        StringBuilder out = new StringBuilder(camel.length() + 4);
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                out.append('-').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String squash(String name) {
        return name.replace("-", "").replace(".", "").replace("_", "");
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
