package io.onceflow.chaos.shapes;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.chaos.shapes.ShapeGenerator.InputRecord;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A shape's lanes number every partition of every input topic once, and its generated input covers them. */
class ShapeLanesTest {

    private final Shape shape = new Shape(
            7,
            List.of(new Stage(Stage.Kind.MAP, 1)),
            SinkSet.KAFKA,
            3,
            5,
            Duration.ofMillis(100),
            Shape.Coalescing.EVERY_WRITE);

    @Test
    void lanesAndTopicPartitionsMapOneToOne() {
        assertThat(shape.inputTopics()).containsExactly("shape-7-in", "shape-7-in-1", "shape-7-in-2");
        Set<String> seen = new HashSet<>();
        for (int lane = 0; lane < shape.lanes(); lane++) {
            String topic = shape.topicOf(lane);
            int partition = shape.partitionOf(lane);
            assertThat(partition).isBetween(0, shape.partitions() - 1);
            assertThat(shape.lane(topic, partition)).isEqualTo(lane);
            seen.add(topic + "-" + partition);
        }
        assertThat(seen).hasSize(15);
        assertThat(shape.lane("shape-7-out", 0)).isEqualTo(-1);
        assertThat(shape.lane("shape-70-in", 0)).isEqualTo(-1);
    }

    @Test
    void generatedInputTagsEachRecordWithItsLane() {
        Set<Integer> lanes = new HashSet<>();
        for (InputRecord record : ShapeGenerator.input(42, shape, 600, 1_000_000L)) {
            int lane = shape.lane(record.topic(), record.partition());
            lanes.add(lane);
            Tagged tagged;
            try {
                tagged = ShapeFormats.INPUT.decode(record.value());
            } catch (RuntimeException undecodable) {
                continue; // the bad bytes mixed in
            }
            assertThat(tagged.partition()).isEqualTo(lane);
        }
        assertThat(lanes).hasSize(shape.lanes());
    }

    @Test
    void campaignsDrawOneToThreeTopicsOfOneToEightPartitionsInAll() {
        Set<Integer> topics = new HashSet<>();
        for (Shape generated : ShapeGenerator.shapes(20261204, 40)) {
            topics.add(generated.topics());
            assertThat(generated.lanes()).isBetween(1, 8);
        }
        assertThat(topics).containsExactlyInAnyOrder(1, 2, 3);
    }
}
