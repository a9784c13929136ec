package io.onceflow.benchmarks;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the operator-overhead benchmark and prints ns per record for both chains and their ratio, measured in the
 * same run. JMH's own command-line options are accepted (for example {@code -f 1 -wi 3 -i 5} for a quick run).
 */
public final class BenchmarkMain {

    private BenchmarkMain() {}

    public static void main(String[] args) throws Exception {
        Options options = new OptionsBuilder()
                .parent(new CommandLineOptions(args))
                .include(OperatorOverheadBenchmark.class.getSimpleName())
                .build();
        Collection<RunResult> results = run(options);
        Map<String, double[]> byBenchmark = new HashMap<>();
        for (RunResult result : results) {
            String label = result.getParams().getBenchmark();
            String name = label.substring(label.lastIndexOf('.') + 1);
            byBenchmark.put(name, new double[] {
                result.getPrimaryResult().getScore(), result.getPrimaryResult().getScoreError()
            });
        }
        double[] marker = byBenchmark.get("markerModel");
        double[] plain = byBenchmark.get("plainFlux");
        System.out.println();
        System.out.println("| chain (map, filter, keyed) | ns per record | error (99.9%) |");
        System.out.println("|---|---:|---:|");
        System.out.printf("| Onceflow marker model | %.1f | %.1f |%n", marker[0], marker[1]);
        System.out.printf("| plain Flux | %.1f | %.1f |%n", plain[0], plain[1]);
        System.out.printf("%nratio marker model / plain Flux: %.2f (goal: at most 1.3)%n", marker[0] / plain[0]);
        System.out.printf(
                "machine: %d cores, %d MiB max heap, Java %s%n",
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20,
                System.getProperty("java.version"));
    }

    private static Collection<RunResult> run(Options options) throws RunnerException {
        return new Runner(options).run();
    }
}
