package io.onceflow.chaos.shapes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A generated pipeline: its stages, in order, then a numbering of each partition's outputs, into its sinks. Everything
 * a processor and the oracle need to build the same pipeline, and the names of everything it reads and writes.
 *
 * @param index the shape's number in its campaign: its topics, tables and consumer group are named by it
 * @param stages the operators, in order
 * @param sinks the commit point, and whether an idempotent table is written too
 * @param topics its input topics, 1 to 3, read by one source
 * @param partitions partitions of each input topic
 * @param checkpointInterval its pipeline's checkpoint interval
 * @param coalescing whether and how the idempotent table coalesces a checkpoint's writes of a key (last write wins)
 */
public record Shape(
        int index,
        List<Stage> stages,
        SinkSet sinks,
        int topics,
        int partitions,
        Duration checkpointInterval,
        Coalescing coalescing) {

    /** How the idempotent table's sink treats a checkpoint's writes of one key. */
    public enum Coalescing {
        /** Every write, in order. */
        EVERY_WRITE,
        /** A row made for every write, the newest per key kept ({@code lastWriteWins()}). */
        ROWS,
        /** The newest write per key kept by a row key function, its row made alone ({@code lastWriteWins(key)}). */
        ROW_KEY
    }

    public Shape {
        stages = List.copyOf(stages);
        if (topics < 1 || partitions < 1) {
            throw new IllegalArgumentException("a shape reads at least one partition of one topic");
        }
    }

    /** The pipeline's name, which is also its consumer group. */
    public String pipeline() {
        return "shape-" + index;
    }

    /** Input topic {@code topic}, from 0. */
    public String inputTopic(int topic) {
        return "shape-" + index + "-in" + (topic == 0 ? "" : "-" + topic);
    }

    /** Its input topics, in order. */
    public List<String> inputTopics() {
        List<String> names = new ArrayList<>(topics);
        for (int topic = 0; topic < topics; topic++) {
            names.add(inputTopic(topic));
        }
        return names;
    }

    /**
     * Its input partitions over all topics. A lane is one partition of one topic, numbered {@code topic * partitions
     * + partition}: what a {@link Tagged} number carries, and what the oracle's one source has as partitions. The
     * keyed state of a Kafka source is per topic and partition, so that of a lane is the same in both.
     */
    public int lanes() {
        return topics * partitions;
    }

    /** The lane of {@code partition} of input topic {@code topic}. */
    public int lane(int topic, int partition) {
        return topic * partitions + partition;
    }

    /** The lane of {@code partition} of input topic {@code topicName}, or -1 where that is not an input topic. */
    public int lane(String topicName, int partition) {
        int topic = inputTopics().indexOf(topicName);
        return topic < 0 ? -1 : lane(topic, partition);
    }

    /** The input topic of {@code lane}. */
    public String topicOf(int lane) {
        return inputTopic(lane / partitions);
    }

    /** The partition of {@code lane} in its input topic. */
    public int partitionOf(int lane) {
        return lane % partitions;
    }

    /** The Kafka commit point's topic. */
    public String outputTopic() {
        return "shape-" + index + "-out";
    }

    /** The Kafka commit point's dead-letter topic. */
    public String deadLetterTopic() {
        return "shape-" + index + "-dead";
    }

    /** The PostgreSQL commit point's table. */
    public String outputTable() {
        return "shape_" + index + "_out";
    }

    /** The PostgreSQL commit point's dead-letter table. */
    public String deadLetterTable() {
        return "shape_" + index + "_dead";
    }

    /** The idempotent table, where {@link SinkSet#idempotentTable()}. */
    public String idempotentTable() {
        return "shape_" + index + "_table";
    }

    /** One line: what it is, for reports and failure messages. */
    public String describe() {
        return pipeline() + " [" + stages.stream().map(Stage::toString).collect(Collectors.joining(" > ")) + "] -> "
                + sinks
                + (sinks.idempotentTable() ? " (" + coalescing.name().toLowerCase(java.util.Locale.ROOT) + ")" : "")
                + ", "
                + (topics == 1 ? "" : topics + " topics of ") + partitions + " partitions, checkpoints every "
                + checkpointInterval.toMillis() + " ms";
    }
}
