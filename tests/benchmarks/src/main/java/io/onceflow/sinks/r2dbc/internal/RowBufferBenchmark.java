package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.benchmarks.BenchmarkOptions;
import io.onceflow.core.Data;
import io.onceflow.core.Origin;
import io.onceflow.sinks.r2dbc.Row;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/**
 * The PostgreSQL sink's coalescing buffer alone, on the data path's pattern of the ledger job: rows of {@code keys}
 * accounts in random order, each with a key string of its own (as the sink makes one per record), offsets rising
 * over 4 partitions, the unstreamed rows taken every {@code stream-every} rows (as chunks stream into the open
 * transaction), and a seal every {@code per-checkpoint} rows. Prints the time per row of each round, and the minimum
 * and median over the rounds after the first third (warm-up).
 *
 * <p>The rows are made before the clock starts, so that only the buffer is timed: a key string's hash is computed in
 * the first round that uses it, then cached, in every variant alike. Compare two builds by running each jar in turn.
 *
 * <pre>
 * java -cp tests/benchmarks/target/benchmarks.jar io.onceflow.sinks.r2dbc.internal.RowBufferBenchmark \
 *     --keys 20000 --per-checkpoint 1000000 --stream-every 4000 --rounds 15
 * </pre>
 */
public final class RowBufferBenchmark {

    private static final int CHECKPOINTS_PER_ROUND = 5;

    private RowBufferBenchmark() {}

    public static void main(String[] args) {
        Map<String, String> options = BenchmarkOptions.parse(args);
        int keys = Integer.parseInt(options.getOrDefault("keys", "20000"));
        int perCheckpoint = Integer.parseInt(options.getOrDefault("per-checkpoint", "1000000"));
        int streamEvery = Integer.parseInt(options.getOrDefault("stream-every", "4000"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "15"));

        Row row = Row.of("account", "a", "balance", 1L);
        Random random = new Random(1);
        Pending[] rows = new Pending[perCheckpoint];
        for (int i = 0; i < perCheckpoint; i++) {
            Data<String> record = new Data<>("payment", new Origin("payments", i & 3, i, 0));
            rows[i] = new Pending(row, new String("account-" + random.nextInt(keys)), record, 0);
        }
        double[] nanosPerRow = new double[rounds];
        long held = 0;
        for (int round = 0; round < rounds; round++) {
            RowBuffer buffer = new RowBuffer(true);
            long start = System.nanoTime();
            for (int checkpoint = 0; checkpoint < CHECKPOINTS_PER_ROUND; checkpoint++) {
                for (int i = 0; i < perCheckpoint; i++) {
                    buffer.add(rows[i]);
                    if (i % streamEvery == streamEvery - 1) {
                        held += buffer.stream().size();
                    }
                }
                held += buffer.seal().all().size();
            }
            nanosPerRow[round] = (System.nanoTime() - start) / (double) (CHECKPOINTS_PER_ROUND * perCheckpoint);
            System.out.printf("round %d: %.1f ns per row%n", round + 1, nanosPerRow[round]);
        }
        double[] measured = Arrays.copyOfRange(nanosPerRow, rounds / 3, rounds);
        Arrays.sort(measured);
        System.out.printf(
                "keys %d, %d rows per checkpoint, streamed every %d: min %.1f ns per row, median %.1f (%d held)%n",
                keys, perCheckpoint, streamEvery, measured[0], measured[measured.length / 2], held);
    }
}
