package io.onceflow.benchmarks;

import io.onceflow.benchmarks.report.PartResults;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the operator-overhead benchmark and prints ns per record for both chains and their ratio, measured in the
 * same run. JMH's own command-line options are accepted (for example {@code -f 1 -wi 3 -i 5} for a quick run);
 * {@code -Dreport.out=file.json} also writes the scores for the report.
 */
public final class BenchmarkMain {

    private BenchmarkMain() {}

    public static void main(String[] args) throws Exception {
        Options options = new OptionsBuilder()
                .parent(new CommandLineOptions(args))
                .include(OperatorOverheadBenchmark.class.getSimpleName())
                .build();
        Collection<RunResult> results = run(options);
        Map<String, Map<String, double[]>> byParam = new TreeMap<>(Comparator.comparingInt(Integer::parseInt));
        for (RunResult result : results) {
            String label = result.getParams().getBenchmark();
            String name = label.substring(label.lastIndexOf('.') + 1);
            byParam.computeIfAbsent(result.getParams().getParam("markerEvery"), p -> new HashMap<>())
                    .put(name, new double[] {
                        result.getPrimaryResult().getScore(),
                        result.getPrimaryResult().getScoreError(),
                        // the fastest measured iteration: on a shared host whose slow spells hit one chain's
                        // iterations and not the other's, the ratio of the fastest is the steadier comparison
                        result.getPrimaryResult().getStatistics().getMin()
                    });
        }
        System.out.println();
        System.out.println("| records per checkpoint | chain (map, filter, keyed) | ns per record | error (99.9%) |"
                + " ratio to plain Flux | fastest iteration, ns | ratio of the fastest |");
        System.out.println("|---:|---|---:|---:|---:|---:|---:|");
        byParam.forEach((markerEvery, scores) -> {
            double[] plain = scores.get("plainFlux");
            row(markerEvery, "plain Flux (baseline)", plain, plain);
            row(markerEvery, "CheckpointedFlux (fused map, filter)", scores.get("fluent"), plain);
            row(markerEvery, "Flux.transform(Checkpointed.*)", scores.get("markerModel"), plain);
        });
        System.out.println("\ngoal: ratio at most 1.3");
        String out = System.getProperty("report.out");
        if (out != null) {
            PartResults scores = PartResults.empty();
            byParam.forEach((markerEvery, byName) ->
                    byName.forEach((name, score) -> scores.put(markerEvery + "." + name, score[0])
                            .put(markerEvery + "." + name + ".error", score[1])
                            .put(markerEvery + "." + name + ".fastest", score[2])));
            scores.write(Path.of(out));
        }
        System.out.printf(
                "machine: %d cores, %d MiB max heap, Java %s%n",
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20,
                System.getProperty("java.version"));
    }

    private static void row(String markerEvery, String chain, double[] score, double[] plain) {
        System.out.printf(
                "| %s | %s | %.1f | %.1f | %.2f | %.1f | %.2f |%n",
                markerEvery, chain, score[0], score[1], score[0] / plain[0], score[2], score[2] / plain[2]);
    }

    private static Collection<RunResult> run(Options options) throws RunnerException {
        return new Runner(options).run();
    }
}
