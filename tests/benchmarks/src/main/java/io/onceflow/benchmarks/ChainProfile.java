package io.onceflow.benchmarks;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of the operator-overhead chains in a loop for a while, for a profiler to record (JMH forks hide the
 * recording's process); prints ns per output record. Not a measurement to quote: {@link BenchmarkMain} is.
 *
 * <pre>
 * java -Xms1g -Xmx1g -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints \
 *     -XX:StartFlightRecording=filename=chain.jfr,settings=profile \
 *     -cp tests/benchmarks/target/benchmarks.jar io.onceflow.benchmarks.ChainProfile 1000 fluent 15
 * </pre>
 */
public final class ChainProfile {

    private ChainProfile() {}

    public static void main(String[] args) {
        if (args.length != 3
                || !List.of("batched", "fluent", "markerModel", "plain").contains(args[1])) {
            System.err.println(
                    "usage: ChainProfile <records per checkpoint> batched|fluent|markerModel|plain <seconds>");
            System.exit(2);
        }
        int markerEvery = Integer.parseInt(args[0]);
        String chain = args[1];
        long seconds = Long.parseLong(args[2]);
        var elements = OperatorChains.elements(100_000, markerEvery);
        var values = OperatorChains.values(100_000);
        var batches = OperatorChains.batches(100_000, markerEvery);
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        long outputs = 0;
        while (System.nanoTime() < end) {
            outputs += switch (chain) {
                // the copies are made in the loop, so they are in the recording (a source makes its batches too)
                case "batched" -> OperatorChains.batched(OperatorChains.copies(batches));
                case "fluent" -> OperatorChains.fluent(elements);
                case "markerModel" -> OperatorChains.markerModel(elements);
                default -> OperatorChains.plain(values);
            };
        }
        System.out.printf(
                "%s, %d records per checkpoint: %.1f ns per output record%n",
                chain, markerEvery, (System.nanoTime() - start) / (double) outputs);
    }
}
