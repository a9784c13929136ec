package io.onceflow.benchmarks.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Attributes the execution samples of a JFR recording ({@code jfr print --events jdk.ExecutionSample --stack-depth
 * N}) to Onceflow: each sample goes to the innermost frame of an Onceflow library class on its stack (benchmark and
 * test-infrastructure classes excluded), so that the time spent in Jackson or the Kafka client on Onceflow's behalf
 * is charged to the Onceflow method that called it. Samples with no such frame (the broker, the JVM), and those of
 * the benchmark's {@code main} thread (which produces the input through the same JSON format), are counted apart.
 */
public final class JfrAttribution {

    static final String NONE = "(not Onceflow's: broker, the benchmark's main thread and load generator, JVM)";

    private static final Pattern THREAD = Pattern.compile("sampledThread = \"([^\"]*)\"");

    private static final Pattern FRAME = Pattern.compile("^\\s+([\\w$.<>/]+)\\(", Pattern.MULTILINE);

    private JfrAttribution() {}

    /** Samples per innermost Onceflow method, most first; the total under {@code "total"}. */
    public static Map<String, Integer> attribute(String printed) {
        String[] events = printed.split("jdk\\.ExecutionSample \\{");
        Map<String, Integer> counts = new LinkedHashMap<>();
        int total = 0;
        for (int i = 1; i < events.length; i++) {
            int stack = events[i].indexOf("stackTrace = [");
            if (stack < 0) {
                continue;
            }
            total++;
            Matcher frames = FRAME.matcher(events[i].substring(stack));
            String owner = NONE;
            Matcher thread = THREAD.matcher(events[i]);
            boolean harness = thread.find() && thread.group(1).equals("main");
            while (!harness && frames.find()) {
                String frame = frames.group(1);
                if (frame.startsWith("io.onceflow.")
                        && !frame.startsWith("io.onceflow.benchmarks.")
                        && !frame.startsWith("io.onceflow.testinfra.")) {
                    owner = frame;
                    break;
                }
            }
            counts.merge(owner, 1, Integer::sum);
        }
        Map<String, Integer> sorted = counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
        sorted.put("total", total);
        return sorted;
    }

    /** The attribution as a fixed-width table of its first {@code limit} rows. */
    public static String table(Map<String, Integer> counts, int limit) {
        int total = counts.getOrDefault("total", 0);
        List<String> rows = counts.entrySet().stream()
                .filter(e -> !e.getKey().equals("total"))
                .limit(limit)
                .map(e -> String.format(
                        Locale.ROOT,
                        "%6d %5.1f%%  %s",
                        e.getValue(),
                        100.0 * e.getValue() / Math.max(1, total),
                        e.getKey()))
                .collect(Collectors.toList());
        return String.format(Locale.ROOT, "%6d samples in all%n", total) + String.join("\n", rows);
    }
}
