package io.onceflow.chaos.shapes;

import io.onceflow.chaos.shapes.Stage.Kind;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Shapes and their inputs, from a seed alone: a processor and the campaign that started it generate the same shapes
 * from the same seed and count. The first shapes of a campaign start with each operator in turn and its sinks cycle
 * through every {@link SinkSet}, so that even 20 shapes cover the whole API.
 */
public final class ShapeGenerator {

    /** The operators generated: all but the broken one. */
    static final List<Kind> KINDS = List.of(Kind.values()).stream()
            .filter(kind -> kind != Kind.BROKEN_CODEC)
            .toList();

    private ShapeGenerator() {}

    /** The campaign's {@code count} shapes from {@code seed}. */
    public static List<Shape> shapes(long seed, int count) {
        List<Shape> shapes = new ArrayList<>(count);
        for (int index = 0; index < count; index++) {
            shapes.add(shape(seed, index));
        }
        return shapes;
    }

    /** Shape {@code index} of the campaign of {@code seed}. */
    public static Shape shape(long seed, int index) {
        Random random = new Random(seed * 1_000_003L + index);
        List<Stage> stages = new ArrayList<>();
        stages.add(new Stage(KINDS.get(index % KINDS.size()), random.nextInt(1001)));
        int more = random.nextInt(4);
        for (int i = 0; i < more; i++) {
            stages.add(new Stage(KINDS.get(random.nextInt(KINDS.size())), random.nextInt(1001)));
        }
        SinkSet sinks = SinkSet.values()[index % SinkSet.values().length];
        int topics = 1 + random.nextInt(3);
        // 1 to 8 partitions in all: one topic of up to 8, two of up to 4, three of up to 2 (more partitions per shape
        // made a killed broker of the long campaign recover its logs for longer than the campaign allows)
        int partitions = 1 + random.nextInt(8 / topics);
        Duration interval = Duration.ofMillis(100 + random.nextInt(900));
        // the shapes with a table cycle through the ways it may coalesce, as all shapes through the sink sets: a
        // campaign of 8 shapes has 4 tables, and meets each way
        Shape.Coalescing coalescing = Shape.Coalescing.values()[(index / 2) % Shape.Coalescing.values().length];
        return new Shape(index, stages, sinks, topics, partitions, interval, coalescing);
    }

    /** One input record of a shape: where it goes (topic and partition), its event time, its bytes. */
    public record InputRecord(String topic, int partition, long timestamp, byte[] value) {}

    /**
     * The input of {@code shape}: {@code records} records spread over its lanes (every partition of every input
     * topic), numbers uniform or skewed towards
     * a few hot ones, event times 7 ms apart from {@code epochMillis} with about one in ten late by up to 80 ms, about
     * one in fifty bytes that do not decode (never the first of a lane; with the event time of the record before
     * it, so that it moves no watermark). The event times should be recent: a broker deletes records older than its
     * retention, whatever their topic's offsets.
     */
    public static List<InputRecord> input(long seed, Shape shape, int records, long epochMillis) {
        Random random = new Random(seed * 7_919L + shape.index());
        boolean skewed = random.nextBoolean();
        long[] clock = new long[shape.lanes()];
        boolean[] started = new boolean[shape.lanes()];
        List<InputRecord> input = new ArrayList<>(records);
        for (int i = 0; i < records; i++) {
            int lane = random.nextInt(shape.lanes());
            String topic = shape.topicOf(lane);
            int partition = shape.partitionOf(lane);
            if (started[lane] && random.nextInt(50) == 0) {
                input.add(new InputRecord(topic, partition, clock[lane], garbage(random, lane)));
                continue;
            }
            long number = skewed && random.nextInt(10) < 7 ? random.nextInt(8) : random.nextInt(401);
            long timestamp = epochMillis + i * 7L - (random.nextInt(10) == 0 ? random.nextInt(81) : 0);
            clock[lane] = timestamp;
            started[lane] = true;
            input.add(new InputRecord(topic, partition, timestamp, ShapeFormats.encodeInput(new Tagged(lane, number))));
        }
        return input;
    }

    private static byte[] garbage(Random random, int lane) {
        return switch (random.nextInt(3)) {
            case 0 -> new byte[] {(byte) 0xFF, (byte) 0xFE, 'x'};
            case 1 -> (lane + ",not a number").getBytes(StandardCharsets.UTF_8);
            default -> new byte[0];
        };
    }
}
