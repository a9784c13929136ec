package io.onceflow.chaos.shapes;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A generated pipeline: its stages, in order, then a numbering of each partition's outputs, into its sinks. Everything
 * a processor and the oracle need to build the same pipeline, and the names of everything it reads and writes.
 *
 * @param index the shape's number in its campaign: its topics, tables and consumer group are named by it
 * @param stages the operators, in order
 * @param sinks the commit point, and whether an idempotent table is written too
 * @param partitions partitions of its input topic
 * @param checkpointInterval its pipeline's checkpoint interval
 * @param coalesce whether the idempotent table coalesces a checkpoint's writes of a key (last write wins)
 */
public record Shape(
        int index, List<Stage> stages, SinkSet sinks, int partitions, Duration checkpointInterval, boolean coalesce) {

    public Shape {
        stages = List.copyOf(stages);
    }

    /** The pipeline's name, which is also its consumer group. */
    public String pipeline() {
        return "shape-" + index;
    }

    public String inputTopic() {
        return "shape-" + index + "-in";
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
                + sinks + (sinks.idempotentTable() ? (coalesce ? " (coalescing)" : " (every write)") : "") + ", "
                + partitions + " partitions, checkpoints every " + checkpointInterval.toMillis() + " ms";
    }
}
