package io.onceflow.benchmarks.report;

import io.onceflow.benchmarks.BenchmarkMain;
import io.onceflow.benchmarks.e2e.LatencyBenchmark;
import io.onceflow.benchmarks.e2e.RecoveryBenchmark;
import io.onceflow.benchmarks.e2e.StalledSinkBenchmark;
import io.onceflow.benchmarks.kafka.KafkaLedgerBenchmark;
import io.onceflow.benchmarks.r2dbc.LedgerBenchmark;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Runs every benchmark, each part in a child JVM of its own (its own heap settings, a SIGKILL that reaches only it, no
 * garbage left to the next part), collects their results ({@code target/report/<part>.json}) and writes {@code
 * docs/benchmarks.md} and {@code docs/benchmarks.svg}.
 *
 * <pre>
 * java -cp tests/benchmarks/target/benchmarks.jar io.onceflow.benchmarks.report.ReportMain [--quick]
 *     [--parts jmh,kafka,postgres,latency,recovery,memory,jfr] [--render-only] [--root .]
 * </pre>
 *
 * <p>{@code tests/benchmarks/run-report.sh} builds the jar and runs this.
 */
public final class ReportMain {

    private static final String JAR = "tests/benchmarks/target/benchmarks.jar";
    private static final String JAVA = "java -Djava.io.tmpdir=/tmp";
    private static final List<String> ALL = List.of("jmh", "kafka", "postgres", "latency", "recovery", "memory", "jfr");

    private final boolean quick;
    private final Path root;
    private final Path out;
    private final Map<String, String> commands = new LinkedHashMap<>();

    private ReportMain(boolean quick, Path root) {
        this.quick = quick;
        this.root = root;
        this.out = root.resolve("tests/benchmarks/target/report");
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        boolean renderOnly = false;
        Path root = Path.of(".");
        List<String> parts = ALL;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--render-only" -> renderOnly = true;
                case "--parts" -> parts = List.of(args[++i].split(","));
                case "--root" -> root = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        ReportMain report = new ReportMain(quick, root.toAbsolutePath().normalize());
        report.plan();
        if (!renderOnly) {
            Files.createDirectories(report.out);
            for (String part : parts) {
                report.run(part);
            }
        }
        report.render();
    }

    /** The command of every part, as the report shows it and as it is run. */
    private void plan() {
        // enough records that a run at 1 s checkpoints commits some ten times: with 2,000,000 (three or four
        // commits) where a commit fell decided the steady rate, and one variant's rounds ranged over a factor of three
        String kafkaRecords = quick ? "500000" : "6000000";
        commands.put(
                "jmh",
                JAVA + " -Dreport.out=" + rel("jmh.json") + " -cp " + JAR + " " + BenchmarkMain.class.getName()
                        + (quick ? " -f 1 -wi 2 -i 3" : " -f 2 -wi 4 -i 6"));
        commands.put(
                "kafka",
                JAVA + " -Xmx4g -cp " + JAR + " " + KafkaLedgerBenchmark.class.getName() + " --records " + kafkaRecords
                        + " --warmup " + (quick ? "100000" : "200000") + " --rounds " + (quick ? "1" : "3")
                        + " --out " + rel("kafka.json"));
        commands.put(
                "postgres",
                JAVA + " -Xmx4g -cp " + JAR + " " + LedgerBenchmark.class.getName() + " --input kafka --records "
                        // at some 2.5 million records/s on a quick host, 24,000,000 are ten commits at 1 s
                        + (quick ? "1000000" : "24000000") + " --rounds " + (quick ? "1" : "5") + " --out "
                        + rel("postgres.json"));
        for (String sink : List.of("kafka", "kafka-streams", "postgres")) {
            for (String interval : List.of("100", "1000")) {
                String name = "latency-" + sink + "-" + interval;
                commands.put(
                        name,
                        JAVA + " -Xmx2g -cp " + JAR + " " + LatencyBenchmark.class.getName() + " --sink " + sink
                                + " --interval-ms " + interval
                                // the baseline at half its maximum only: the goals are at 50%
                                // and the Onceflow job at its rate, for a comparison at the same load
                                + (sink.equals("kafka-streams") ? " --loads 0.5 --also kafka" : "")
                                + (quick
                                        ? " --max-seconds 8 --seconds 12 --warmup-seconds 4"
                                        : " --max-seconds 15 --seconds 40 --warmup-seconds 8")
                                + " --out " + rel(name + ".json"));
            }
        }
        for (String membership : List.of("static", "dynamic")) {
            String name = membership.equals("static") ? "recovery" : "recovery-dynamic";
            commands.put(
                    name,
                    JAVA + " -Xmx1g -cp " + JAR + " " + RecoveryBenchmark.class.getName() + " --rate "
                            + (quick ? "50000" : "80000") + " --interval-ms 100 --membership " + membership
                            + (quick
                                    ? " --kills 1 --steady-seconds 10 --after-seconds 12"
                                    : " --kills 3 --steady-seconds 15" + " --after-seconds 20")
                            + " --out " + rel(name + ".json"));
        }
        commands.put(
                "memory",
                JAVA + " -Xmx1g -cp " + JAR + " " + StalledSinkBenchmark.class.getName() + " --rate 20000"
                        + (quick
                                ? " --before-seconds 10 --stall-seconds 30"
                                : " --before-seconds 20 --stall-seconds 180")
                        + " --after-seconds 15 --out " + rel("memory.json"));
        commands.put(
                "jfr",
                JAVA + " -Xmx4g -XX:StartFlightRecording=filename=" + rel("kafka.jfr") + ",settings=profile -cp " + JAR
                        + " " + KafkaLedgerBenchmark.class.getName() + " --only eos-100ms --records "
                        + (quick ? "500000" : "1500000") + " --warmup 100000 --rounds 1\n" + jfrTool()
                        + " view hot-methods " + rel("kafka.jfr") + "\n" + jfrTool()
                        + " print --events jdk.ExecutionSample --stack-depth 40 " + rel("kafka.jfr"));
        for (String notesName : List.of("run", "profiling", "latency", "at-least-once", "state-growth")) {
            Path notes = root.resolve("tests/benchmarks/" + notesName + "-notes.md");
            if (Files.exists(notes)) {
                try {
                    commands.put(
                            switch (notesName) {
                                case "profiling" -> "jfr-notes";
                                case "latency" -> "notes-latency";
                                case "state-growth" -> "notes-state-growth";
                                case "run" -> "notes-run";
                                default -> "notes-at-least-once";
                            },
                            Files.readString(notes).strip());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
    }

    private String rel(String file) {
        return "tests/benchmarks/target/report/" + file;
    }

    /** The JDK 17 {@code jfr} tool has no {@code view}: a newer JDK's reads the same recording. */
    private static String jfrTool() {
        for (String jdk : List.of("/usr/lib/jvm/temurin-25-jdk-amd64", "/usr/lib/jvm/temurin-21-jdk-amd64")) {
            if (Files.isExecutable(Path.of(jdk, "bin", "jfr"))) {
                return jdk + "/bin/jfr";
            }
        }
        return "jfr";
    }

    private void run(String part) throws Exception {
        if (part.equals("recovery")) {
            runCommand("recovery", commands.get("recovery"));
            runCommand("recovery-dynamic", commands.get("recovery-dynamic"));
            return;
        }
        if (part.equals("latency")) {
            for (String name : commands.keySet()) {
                if (name.startsWith("latency-")) {
                    runCommand(name, commands.get(name));
                }
            }
            return;
        }
        if (!commands.containsKey(part)) {
            throw new IllegalArgumentException("unknown part " + part + "; parts are " + ALL);
        }
        if (part.equals("jfr")) {
            String[] lines = commands.get("jfr").split("\n");
            runCommand("jfr", lines[0]);
            Path view = out.resolve("jfr-hot-methods.txt");
            int exit = exec(lines[1], view);
            List<String> hot = Files.readAllLines(view).stream()
                    .filter(line -> !line.isBlank())
                    .limit(30)
                    .collect(Collectors.toList());
            Path printed = out.resolve("jfr-samples.txt");
            exec(lines[2], printed);
            String attribution = JfrAttribution.table(JfrAttribution.attribute(Files.readString(printed)), 20);
            Files.delete(printed); // large; the recording itself stays
            new PartResults(Map.of())
                    .put("tool", lines[1].split(" ")[0] + " view hot-methods")
                    .put("exit", exit)
                    .put("hot_methods", String.join("\n", hot))
                    .put("attribution_tool", lines[2])
                    .put("onceflow_attribution", attribution)
                    .write(out.resolve("jfr.json"));
            return;
        }
        runCommand(part, commands.get(part));
    }

    private void runCommand(String name, String command) throws Exception {
        long start = System.nanoTime();
        System.out.printf("[report] %s: %s%n", name, command);
        int exit = exec(command, out.resolve(name + ".log"));
        if (exit != 0) {
            // a part fails rather than report wrong figures (a lost input record, a failed pipeline): once more
            Files.copy(
                    out.resolve(name + ".log"),
                    out.resolve(name + ".failed.log"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            System.out.printf(Locale.ROOT, "[report] %s: exit %d, running it once more%n", name, exit);
            exit = exec(command, out.resolve(name + ".log"));
        }
        System.out.printf(
                Locale.ROOT, "[report] %s: exit %d after %.0f s%n", name, exit, (System.nanoTime() - start) / 1e9);
    }

    private int exec(String command, Path log) throws IOException, InterruptedException {
        List<String> words = new ArrayList<>(List.of(command.split(" ")));
        if (words.get(0).equals("java")) {
            words.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
        }
        Process process = new ProcessBuilder(words)
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(Redirect.to(log.toFile()))
                .start();
        return process.waitFor();
    }

    private void render() throws IOException {
        Map<String, PartResults> parts = new LinkedHashMap<>();
        for (String name : commands.keySet()) {
            parts.put(name, PartResults.read(out.resolve(name + ".json")));
        }
        ReportRenderer.Input input = new ReportRenderer.Input(
                quick ? "quick" : "full",
                machine(),
                lastMeasured(parts.keySet()).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")),
                parts,
                commands);
        Path docs = root.resolve("docs");
        Files.createDirectories(docs);
        Files.writeString(docs.resolve("benchmarks.svg"), ReportChart.chart(input));
        Files.writeString(docs.resolve("benchmarks.md"), ReportRenderer.markdown(input, "benchmarks.svg"));
        System.out.println("[report] wrote " + docs.resolve("benchmarks.md") + " and benchmarks.svg");
    }

    /**
     * When the last of the parts' results was written: the time of the measurements, which a {@code --render-only}
     * long after the run must not replace with its own. Now, when no part has results.
     */
    private ZonedDateTime lastMeasured(Collection<String> names) throws IOException {
        FileTime last = null;
        for (String name : names) {
            Path results = out.resolve(name + ".json");
            if (Files.exists(results)) {
                FileTime written = Files.getLastModifiedTime(results);
                last = last == null || written.compareTo(last) > 0 ? written : last;
            }
        }
        return last == null
                ? ZonedDateTime.now(ZoneOffset.UTC)
                : ZonedDateTime.ofInstant(last.toInstant(), ZoneOffset.UTC);
    }

    /** Cores, memory, CPU model, OS and Java. */
    static String machine() {
        String cpu = "unknown CPU";
        long memoryKib = 0;
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst()
                    .orElse(cpu);
            memoryKib = Files.readAllLines(Path.of("/proc/meminfo")).stream()
                    .filter(line -> line.startsWith("MemTotal:"))
                    .mapToLong(line -> Long.parseLong(line.replaceAll("[^0-9]", "")))
                    .findFirst()
                    .orElse(0);
        } catch (IOException notLinux) {
            // keep the defaults
        }
        return String.format(
                Locale.ROOT,
                "%d cores (%s), %.1f GiB memory, %s %s, Java %s (%s)",
                Runtime.getRuntime().availableProcessors(),
                cpu,
                memoryKib / 1048576.0,
                System.getProperty("os.name"),
                System.getProperty("os.version"),
                System.getProperty("java.version"),
                System.getProperty("java.vm.name"));
    }
}
