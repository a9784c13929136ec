package io.onceflow.chaos.shapes;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.chaos.shapes.ShapeGenerator.InputRecord;
import io.onceflow.chaos.shapes.ShapeOracle.LoggedRecord;
import io.onceflow.chaos.shapes.Stage.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The shrinker reduces a shape that is not exactly once to a small in-process case, and says so when the shape is
 * exact in this JVM.
 */
class ShapeShrinkerTest {

    private static final long SEED = 20261204;

    @Test
    void aShapeWithACodecThatLosesStateShrinksToThatStageAndAFewRecords() {
        Shape shape = shape(List.of(
                new Stage(Kind.MAP, 5),
                new Stage(Kind.FILTER, 700),
                new Stage(Kind.BROKEN_CODEC, 1),
                new Stage(Kind.CONCAT_MAP, 10)));
        Map<Integer, List<LoggedRecord>> input = input(shape, 240);

        ShapeShrinker.Result result = ShapeShrinker.shrink(shape, input, SEED);
        System.out.println("ShapeShrinkerTest: " + result.summary());

        assertThat(result.smallest()).as(result.summary()).isPresent();
        ShapeShrinker.Case smallest = result.smallest().orElseThrow();
        assertThat(smallest.stages()).extracting(Stage::kind).containsExactly(Kind.BROKEN_CODEC);
        assertThat(smallest.records()).isLessThan(240 / 4);
        assertThat(result.summary()).contains("broken_codec", "fault seed");
        // the case is a reproducer: its faulty run differs from its clean run
        assertThat(ShapeShrinker.difference(
                        ShapeRun.run(smallest.stages(), smallest.lanes(), smallest.input(), 8, ShapeRun.Faults.NONE),
                        ShapeRun.run(smallest.stages(), smallest.lanes(), smallest.input(), 8, smallest.faults())))
                .isNotEmpty();
    }

    @Test
    void aCorrectShapeIsNotReproducedInProcess() {
        Shape shape = shape(List.of(new Stage(Kind.KEYED_LONG, 3), new Stage(Kind.TUMBLING_WINDOW, 8)));

        ShapeShrinker.Result result = ShapeShrinker.shrink(shape, input(shape, 300), SEED);

        assertThat(result.smallest()).isEmpty();
        assertThat(result.summary()).contains("not reproduced in-process");
    }

    private static Shape shape(List<Stage> stages) {
        return new Shape(3, stages, SinkSet.KAFKA, 2, 2, Duration.ofMillis(100), Shape.Coalescing.EVERY_WRITE);
    }

    /** The generator's input of {@code shape}, per lane as its topics would hold it. */
    private static Map<Integer, List<LoggedRecord>> input(Shape shape, int records) {
        Map<Integer, List<LoggedRecord>> input = new TreeMap<>();
        for (int lane = 0; lane < shape.lanes(); lane++) {
            input.put(lane, new ArrayList<>());
        }
        for (InputRecord record : ShapeGenerator.input(SEED, shape, records, 1_000_000L)) {
            List<LoggedRecord> lane = input.get(shape.lane(record.topic(), record.partition()));
            lane.add(new LoggedRecord(lane.size(), record.timestamp(), record.value()));
        }
        return input;
    }
}
