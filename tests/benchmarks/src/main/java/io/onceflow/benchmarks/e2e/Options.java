package io.onceflow.benchmarks.e2e;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** {@code --name value} pairs of a benchmark's command line. */
final class Options {

    private Options() {}

    static Map<String, String> parse(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + String.join(" ", args));
            }
            options.put(args[i].substring(2).toLowerCase(Locale.ROOT), args[i + 1]);
        }
        return options;
    }
}
