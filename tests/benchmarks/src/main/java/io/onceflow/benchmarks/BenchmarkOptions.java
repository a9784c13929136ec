package io.onceflow.benchmarks;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The {@code --name value} pairs a benchmark's {@code main} takes, and the {@code key=value,...} lists in them. */
public final class BenchmarkOptions {

    private BenchmarkOptions() {}

    /**
     * The options by name, without the leading {@code --}, lower-cased, in command-line order.
     *
     * @throws IllegalArgumentException unless the arguments are {@code --name value} pairs
     */
    public static Map<String, String> parse(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + String.join(" ", args));
            }
            options.put(args[i].substring(2).toLowerCase(Locale.ROOT), args[i + 1]);
        }
        return options;
    }

    /**
     * The {@code key=value,...} settings of one option's value, in key order; none for an empty value.
     *
     * @throws IllegalArgumentException for a setting without {@code =}
     */
    public static Map<String, String> settings(String value) {
        Map<String, String> settings = new TreeMap<>();
        for (String setting : value.split(",")) {
            if (setting.isBlank()) {
                continue;
            }
            int equals = setting.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("expected key=value settings, got '" + setting + "' in " + value);
            }
            settings.put(
                    setting.substring(0, equals).trim(),
                    setting.substring(equals + 1).trim());
        }
        return settings;
    }
}
