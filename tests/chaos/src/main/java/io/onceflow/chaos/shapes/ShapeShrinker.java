package io.onceflow.chaos.shapes;

import io.onceflow.chaos.shapes.ShapeOracle.LoggedRecord;
import io.onceflow.chaos.shapes.ShapeRun.Faults;
import io.onceflow.chaos.shapes.ShapeRun.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Looks for the smallest case of a shape that a campaign found not exactly once: in this JVM ({@link ShapeRun}),
 * under seeded protocol faults instead of the campaign's process kills, it first reproduces a mismatch on the shape's
 * own input, then removes stages, halves every lane's input and empties lanes as long as some fault seed still
 * makes the faulty run differ from the clean one. What it returns is a reproducer a developer can run in a unit test;
 * where no seed reproduces the mismatch in this JVM, the mismatch needs the real faults, and the campaign's seed is
 * the reproducer.
 */
public final class ShapeShrinker {

    /** Fault seeds tried on each candidate. */
    private static final int SEEDS = 16;

    /** Records per checkpoint: small, so that a run has many checkpoints for the faults to hit. */
    private static final int CHECKPOINT_EVERY = 8;

    private static final Duration BUDGET = Duration.ofMinutes(3);

    private ShapeShrinker() {}

    /**
     * A failing case.
     *
     * @param stages the shape's stages
     * @param lanes its lanes
     * @param input its input per lane (offsets from 0)
     * @param faults the seeded faults under which it differs from its clean run
     * @param difference how it differs, first problem only
     */
    public record Case(
            List<Stage> stages, int lanes, Map<Integer, List<LoggedRecord>> input, Faults faults, String difference) {

        /** Input records over all lanes. */
        public int records() {
            return ShapeShrinker.records(input);
        }

        /** One line: what fails, how small, under which faults. */
        public String describe() {
            return "stages [" + stages.stream().map(Stage::toString).collect(Collectors.joining(" > ")) + "], "
                    + records() + " records on lanes "
                    + input.entrySet().stream()
                            .filter(lane -> !lane.getValue().isEmpty())
                            .map(lane -> lane.getKey() + ":" + lane.getValue().size())
                            .collect(Collectors.joining(",", "{", "}"))
                    + " of " + lanes + ", fault seed " + faults.seed() + " cut after " + faults.cutAfter()
                    + " checkpoints: " + difference;
        }
    }

    /** What the shrinker concluded: the smallest case found, or why there is none. */
    public record Result(Optional<Case> smallest, int candidatesTried, String summary) {}

    /** Shrinks {@code shape} over {@code input} (as {@link ShapeVerifier#readInput} reads it), fault seeds from {@code seed}. */
    public static Result shrink(Shape shape, Map<Integer, List<LoggedRecord>> input, long seed) {
        long deadline = System.nanoTime() + BUDGET.toNanos();
        int[] tried = {0};
        Optional<Case> found = failing(shape.stages(), shape.lanes(), input, seed, tried);
        if (found.isEmpty()) {
            return new Result(
                    found,
                    tried[0],
                    "not reproduced in-process with " + SEEDS + " fault seeds: the mismatch needs the campaign's own"
                            + " faults (rerun the campaign's seed)");
        }
        Case smallest = found.get();
        boolean smaller = true;
        while (smaller && System.nanoTime() < deadline) {
            smaller = false;
            for (int i = 0; i < smallest.stages().size() && !smaller; i++) {
                List<Stage> fewer = new ArrayList<>(smallest.stages());
                fewer.remove(i);
                Optional<Case> candidate = failing(fewer, smallest.lanes(), smallest.input(), seed, tried);
                if (candidate.isPresent()) {
                    smallest = candidate.get();
                    smaller = true;
                }
            }
            Map<Integer, List<LoggedRecord>> half = halved(smallest.input());
            if (!smaller && records(half) < smallest.records()) {
                Optional<Case> candidate = failing(smallest.stages(), smallest.lanes(), half, seed, tried);
                if (candidate.isPresent()) {
                    smallest = candidate.get();
                    smaller = true;
                }
            }
            for (int lane = 0; lane < smallest.lanes() && !smaller; lane++) {
                if (!smallest.input().getOrDefault(lane, List.of()).isEmpty()) {
                    Map<Integer, List<LoggedRecord>> without = new TreeMap<>(smallest.input());
                    without.put(lane, List.of());
                    Optional<Case> candidate = failing(smallest.stages(), smallest.lanes(), without, seed, tried);
                    if (candidate.isPresent()) {
                        smallest = candidate.get();
                        smaller = true;
                    }
                }
            }
        }
        return new Result(
                Optional.of(smallest),
                tried[0],
                "smallest in-process case after " + tried[0] + " candidates: " + smallest.describe());
    }

    /** The case under the first fault seed whose run differs from the clean run, if any. */
    private static Optional<Case> failing(
            List<Stage> stages, int lanes, Map<Integer, List<LoggedRecord>> input, long seed, int[] tried) {
        tried[0]++;
        Outcome clean = ShapeRun.run(stages, lanes, input, CHECKPOINT_EVERY, Faults.NONE);
        for (int k = 1; k <= SEEDS; k++) {
            Faults faults = new Faults(seed * 31 + k, k % 4);
            String difference = difference(clean, ShapeRun.run(stages, lanes, input, CHECKPOINT_EVERY, faults));
            if (!difference.isEmpty()) {
                return Optional.of(new Case(List.copyOf(stages), lanes, input, faults, difference));
            }
        }
        return Optional.empty();
    }

    /** Every lane's first half (rounded up): a prefix keeps the offsets without gaps. */
    private static Map<Integer, List<LoggedRecord>> halved(Map<Integer, List<LoggedRecord>> input) {
        Map<Integer, List<LoggedRecord>> half = new TreeMap<>();
        input.forEach((lane, records) -> half.put(lane, List.copyOf(records.subList(0, (records.size() + 1) / 2))));
        return half;
    }

    private static int records(Map<Integer, List<LoggedRecord>> input) {
        return input.values().stream().mapToInt(List::size).sum();
    }

    /** Empty when equal; otherwise the first difference. */
    static String difference(Outcome clean, Outcome faulty) {
        for (Map.Entry<Integer, List<Output>> lane : clean.outputs().entrySet()) {
            List<Output> expected = lane.getValue();
            List<Output> actual = faulty.outputs().getOrDefault(lane.getKey(), List.of());
            for (int i = 0; i < Math.max(expected.size(), actual.size()); i++) {
                Output want = i < expected.size() ? expected.get(i) : null;
                Output got = i < actual.size() ? actual.get(i) : null;
                if (!Objects.equals(want, got)) {
                    return "lane " + lane.getKey() + " output " + i + " is " + got + ", without faults " + want;
                }
            }
        }
        if (!clean.deadLetters().equals(faulty.deadLetters())) {
            return "dead letters " + faulty.deadLetters().size() + ", without faults "
                    + clean.deadLetters().size();
        }
        if (!clean.table().equals(faulty.table())) {
            return "the idempotent table differs (" + faulty.table().size() + " rows, without faults "
                    + clean.table().size() + ")";
        }
        return "";
    }
}
