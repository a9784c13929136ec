package io.onceflow.benchmarks;

import java.util.HashMap;
import java.util.Map;

/** The {@code --name value} pairs a benchmark's {@code main} takes; a trailing name without a value is ignored. */
public final class BenchmarkOptions {

    private BenchmarkOptions() {}

    /** The options by name, without the leading {@code --}. */
    public static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return options;
    }
}
