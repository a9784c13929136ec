package io.onceflow.chaos.shapes;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.chaos.shapes.ShapeOracle.LoggedRecord;
import io.onceflow.chaos.shapes.Stage.Kind;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Generative exactly-once, in-process and fast: the campaign's shapes ({@link ShapeStages}) over random inputs on
 * several partitions, with random protocol faults (commit, open, recover and flush failures, runs cut after a random
 * number of checkpoints), against the same shape and input without faults. The committed outputs of every partition,
 * the dead letters and the idempotent table must be equal. jqwik reports the seed and shrinks a failing case to a
 * smaller input and shape; the real broker, database and processor kills are the campaign's ({@code
 * ExactlyOnceCampaignIT}).
 */
class GenerativeShapesPropertiesTest {

    private static final int PARTITIONS = 3;

    @Property(tries = 120)
    void underFaultsEveryShapeCommitsWhatItCommitsWithout(
            @ForAll("shapes") List<Stage> shape,
            @ForAll @Size(min = 1, max = 150) List<@IntRange(min = 0, max = 400) Integer> input,
            @ForAll @IntRange(min = 1, max = 12) int checkpointEvery,
            @ForAll @IntRange(min = 1, max = 100_000) int seed) {
        Outcome clean = run(shape, input, checkpointEvery, 0, -1);
        Outcome faulty = run(shape, input, checkpointEvery, seed, seed % 4);
        assertThat(faulty.outputs).as("committed output, shape %s", shape).isEqualTo(clean.outputs);
        assertThat(faulty.deadLetters).as("dead letters, shape %s", shape).isEqualTo(clean.deadLetters);
        assertThat(faulty.table).as("idempotent table, shape %s", shape).isEqualTo(clean.table);
    }

    private record Outcome(Map<Integer, List<Output>> outputs, List<String> deadLetters, Map<String, Output> table) {}

    /** {@code shape} over {@code input}, record i on partition i % 3 at event time 7i, under the seed's faults. */
    private static Outcome run(List<Stage> shape, List<Integer> input, int every, int seed, int stopAfter) {
        Map<Integer, List<LoggedRecord>> lanes = new TreeMap<>();
        for (int i = 0; i < input.size(); i++) {
            List<LoggedRecord> lane = lanes.computeIfAbsent(i % PARTITIONS, p -> new ArrayList<>());
            byte[] value = ShapeFormats.encodeInput(new Tagged(i % PARTITIONS, input.get(i)));
            lane.add(new LoggedRecord(lane.size(), i * 7L, value));
        }
        ShapeRun.Outcome outcome =
                ShapeRun.run(shape, PARTITIONS, lanes, every, new ShapeRun.Faults(seed, Math.max(0, stopAfter)));
        return new Outcome(outcome.outputs(), outcome.deadLetters(), outcome.table());
    }

    @Provide
    Arbitrary<List<Stage>> shapes() {
        Arbitrary<Stage> stage = Combinators.combine(
                        Arbitraries.of(ShapeGenerator.KINDS),
                        Arbitraries.integers().between(0, 1000))
                .as(Stage::new);
        return stage.list().ofMinSize(1).ofMaxSize(5);
    }

    /** Every stage kind appears in some shape of a run: a shape generator that never built one would prove nothing. */
    @Property(tries = 1)
    void theGeneratorCoversEveryKind() {
        Set<Kind> seen = EnumSet.of(Kind.BROKEN_CODEC);
        shapes().sampleStream().limit(500).forEach(shape -> shape.forEach(stage -> seen.add(stage.kind())));
        assertThat(seen).containsExactlyInAnyOrder(Kind.values());
    }

    /** The oracle can fail: a codec that loses half of a keyed sum is caught by some run restored from it. */
    @org.junit.jupiter.api.Test
    void theOracleCatchesAStateCodecThatLosesInformation() {
        List<Stage> broken = List.of(new Stage(Kind.BROKEN_CODEC, 1));
        List<Integer> input = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            input.add(i * 7 % 50);
        }
        Outcome clean = run(broken, input, 4, 0, -1);
        boolean caught = false;
        for (int seed = 1; seed <= 20 && !caught; seed++) {
            caught = !run(broken, input, 4, seed, seed % 4).outputs.equals(clean.outputs);
        }
        assertThat(caught).as("a mismatch found by one of 20 seeds").isTrue();
    }

    /** The campaign's generator starts its shapes with each operator in turn and cycles through the sink sets. */
    @org.junit.jupiter.api.Test
    void twentyCampaignShapesCoverEveryOperatorAndSinkSet() {
        Set<Kind> kinds = new TreeSet<>();
        Set<SinkSet> sinks = new TreeSet<>();
        for (Shape shape : ShapeGenerator.shapes(42, 20)) {
            shape.stages().forEach(stage -> kinds.add(stage.kind()));
            sinks.add(shape.sinks());
        }
        assertThat(kinds).containsAll(ShapeGenerator.KINDS);
        assertThat(sinks).containsExactlyInAnyOrder(SinkSet.values());
    }

    /** The CI's campaign of 8 shapes writes 4 idempotent tables, which meet every way to coalesce. */
    @org.junit.jupiter.api.Test
    void eightCampaignShapesWriteTablesInEveryWayToCoalesce() {
        Set<Shape.Coalescing> ways = new TreeSet<>();
        for (Shape shape : ShapeGenerator.shapes(42, 8)) {
            if (shape.sinks().idempotentTable()) {
                ways.add(shape.coalescing());
            }
        }
        assertThat(ways).containsExactlyInAnyOrder(Shape.Coalescing.values());
    }
}
