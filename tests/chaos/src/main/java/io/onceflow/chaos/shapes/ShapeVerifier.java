package io.onceflow.chaos.shapes;

import io.onceflow.chaos.shapes.ShapeOracle.Committed;
import io.onceflow.chaos.shapes.ShapeOracle.LoggedRecord;
import io.onceflow.chaos.verify.KafkaReads;
import io.onceflow.chaos.verify.LedgerVerifier.JdbcConnections;
import io.onceflow.kafka.DeadLetterHeaders;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Judges a shape: reads its input topic, computes what it must commit ({@link ShapeOracle}), reads what it did
 * commit (its topic as read_committed sees it, or its table; its dead letters; its idempotent table) and compares,
 * output by output. It trusts nothing the pipeline says about itself but its committed positions, which must be the
 * end of the input.
 */
public final class ShapeVerifier {

    private static final int EXAMPLES = 8;

    private static final int PARALLEL_VERDICTS = 4;

    private final KafkaReads kafka;
    private final JdbcConnections database;

    public ShapeVerifier(KafkaReads kafka, JdbcConnections database) {
        this.kafka = kafka;
        this.database = database;
    }

    /** The input topics, per lane ({@link Shape#lanes()}) in offset order. */
    public Map<Integer, List<LoggedRecord>> readInput(Shape shape) {
        Map<Integer, List<LoggedRecord>> input = new TreeMap<>();
        for (String topic : shape.inputTopics()) {
            kafka.readTopic(topic, false).forEach((partition, records) -> {
                List<LoggedRecord> logged = new ArrayList<>(records.size());
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    logged.add(new LoggedRecord(record.offset(), record.timestamp(), record.value()));
                }
                input.put(shape.lane(topic, partition), logged);
            });
        }
        return input;
    }

    /** The positions the shape's commit point holds, by lane. */
    public long[] committedPositions(Shape shape) throws Exception {
        long[] positions = new long[shape.lanes()];
        if (shape.sinks().kafkaCommitPoint()) {
            for (String topic : shape.inputTopics()) {
                kafka.groupOffsets(shape.pipeline(), topic, true)
                        .forEach((partition, offset) -> positions[shape.lane(topic, partition)] = offset);
            }
            return positions;
        }
        try (Connection connection = database.open();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT source, source_partition, next_offset FROM onceflow_offsets WHERE pipeline = ?"
                                + " AND next_offset IS NOT NULL")) {
            statement.setString(1, shape.pipeline());
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    int lane = shape.lane(result.getString(1), result.getInt(2));
                    if (lane >= 0) {
                        positions[lane] = result.getLong(3);
                    }
                }
            }
        }
        return positions;
    }

    /** Whether the shape's committed positions have reached the end of its input. */
    public boolean caughtUp(Shape shape) throws Exception {
        return lag(shape).isEmpty();
    }

    /** Empty once caught up; otherwise the committed positions against the input's ends, by lane. */
    public String lag(Shape shape) throws Exception {
        long[] ends = new long[shape.lanes()];
        for (String topic : shape.inputTopics()) {
            long[] topicEnds = kafka.endOffsets(topic);
            for (int partition = 0; partition < topicEnds.length; partition++) {
                ends[shape.lane(topic, partition)] = topicEnds[partition];
            }
        }
        long[] positions = committedPositions(shape);
        for (int lane = 0; lane < ends.length; lane++) {
            if (positions[lane] < ends[lane]) {
                return "positions " + java.util.Arrays.toString(positions) + " < ends "
                        + java.util.Arrays.toString(ends);
            }
        }
        return "";
    }

    /** A verdict, with how long the judging took. */
    public record Timed(ShapeVerdict verdict, long millis) {}

    /**
     * The verdicts on {@code shapes}, in their order, judged {@value #PARALLEL_VERDICTS} at a time: a verdict mostly
     * waits on its reads of Kafka and PostgreSQL, each on its own consumer or connection, so judging 20 shapes one
     * after the other was half a minute of a campaign spent waiting.
     */
    public List<Timed> verifyAll(List<Shape> shapes) throws Exception {
        ExecutorService judges = Executors.newFixedThreadPool(PARALLEL_VERDICTS, runnable -> {
            Thread thread = new Thread(runnable, "shape-verdicts");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<Timed>> pending = new ArrayList<>();
            for (Shape shape : shapes) {
                pending.add(judges.submit(() -> {
                    long start = System.nanoTime();
                    ShapeVerdict verdict = verify(shape);
                    return new Timed(verdict, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                }));
            }
            List<Timed> verdicts = new ArrayList<>();
            for (Future<Timed> verdict : pending) {
                try {
                    verdicts.add(verdict.get());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Exception cause) {
                        throw cause;
                    }
                    throw e;
                }
            }
            return verdicts;
        } finally {
            judges.shutdownNow();
        }
    }

    /** The verdict on {@code shape}, once caught up. */
    public ShapeVerdict verify(Shape shape) throws Exception {
        Map<Integer, List<LoggedRecord>> input = readInput(shape);
        long inputRecords = input.values().stream().mapToLong(List::size).sum();
        long[] positions = committedPositions(shape);
        long notProcessed = 0;
        for (Map.Entry<Integer, List<LoggedRecord>> partition : input.entrySet()) {
            notProcessed += Math.max(0, partition.getValue().size() - positions[partition.getKey()]);
        }
        Committed expected = ShapeOracle.expected(shape, input);
        List<String> examples = new ArrayList<>();
        long[] counts = new long[4]; // missing, duplicates, wrong, extra
        long read = 0;
        if (shape.sinks().committedOutputs()) {
            Map<Integer, List<Output>> outputs =
                    shape.sinks().kafkaCommitPoint() ? topicOutputs(shape) : tableOutputs(shape);
            for (int lane = 0; lane < shape.lanes(); lane++) {
                List<Output> actual = outputs.getOrDefault(lane, List.of());
                read += actual.size();
                compare(lane, expected.outputs().get(lane), actual, counts, examples);
            }
        }
        List<String> deadLetters = shape.sinks().kafkaCommitPoint() ? topicDeadLetters(shape) : tableDeadLetters(shape);
        long deadLetterMismatches = multisetDifference(expected.deadLetters(), deadLetters, "dead letter", examples);
        Map<String, Output> rows = shape.sinks().idempotentTable() ? tableRows(shape) : Map.of();
        long tableMismatches = shape.sinks().idempotentTable() ? compareTable(rows, expected, examples) : 0;
        // where only the idempotent table holds outputs, what is counted is its rows against those the oracle implies
        boolean inTable = !shape.sinks().committedOutputs();
        return new ShapeVerdict(
                shape.describe(),
                inputRecords,
                notProcessed,
                inTable ? expected.table().size() : expected.outputCount(),
                inTable ? rows.size() : read,
                counts[0],
                counts[1],
                counts[2],
                counts[3],
                expected.deadLetters().size(),
                deadLetterMismatches,
                tableMismatches,
                examples);
    }

    /** One lane's outputs, output {@code n} at place {@code n}: each place once, with the oracle's value. */
    private static void compare(
            int lane, List<Output> expected, List<Output> actual, long[] counts, List<String> examples) {
        Map<Long, Integer> seen = new HashMap<>();
        for (int i = 0; i < actual.size(); i++) {
            Output output = actual.get(i);
            int times = seen.merge(output.n(), 1, Integer::sum);
            if (times > 1) {
                counts[1]++;
                example(examples, "lane " + lane + ": output " + output.n() + " committed " + times + " times");
            } else if (output.n() >= expected.size()) {
                counts[3]++;
                example(
                        examples,
                        "lane " + lane + ": output " + output.n() + " (" + output.value() + ") beyond the oracle's "
                                + expected.size());
            } else if (output.value() != expected.get((int) output.n()).value() || output.n() != i) {
                counts[2]++;
                example(
                        examples,
                        "lane " + lane + ": at place " + i + " output " + output.n() + " = "
                                + output.value() + ", the oracle's output " + output.n() + " = "
                                + expected.get((int) output.n()).value());
            }
        }
        for (long n = 0; n < expected.size(); n++) {
            if (!seen.containsKey(n)) {
                counts[0]++;
                example(
                        examples,
                        "lane " + lane + ": output " + n + " ("
                                + expected.get((int) n).value() + ") missing");
            }
        }
    }

    private Map<Integer, List<Output>> topicOutputs(Shape shape) {
        Map<Integer, List<Output>> outputs = new TreeMap<>();
        // a lane's outputs share a key, so a partition of the topic, in order
        kafka.readTopic(shape.outputTopic(), true).values().forEach(records -> {
            for (ConsumerRecord<byte[], byte[]> record : records) {
                Output output = ShapeFormats.OUTPUT.decode(record.value());
                outputs.computeIfAbsent(output.partition(), p -> new ArrayList<>())
                        .add(output);
            }
        });
        return outputs;
    }

    private Map<Integer, List<Output>> tableOutputs(Shape shape) throws SQLException {
        Map<Integer, List<Output>> outputs = new TreeMap<>();
        try (Connection connection = database.open();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT part, n, value FROM " + shape.outputTable() + " ORDER BY part, n");
                ResultSet result = statement.executeQuery()) {
            while (result.next()) {
                outputs.computeIfAbsent(result.getInt(1), p -> new ArrayList<>())
                        .add(new Output(result.getInt(1), result.getLong(2), result.getLong(3)));
            }
        }
        return outputs;
    }

    private List<String> topicDeadLetters(Shape shape) {
        List<String> deadLetters = new ArrayList<>();
        kafka.readTopic(shape.deadLetterTopic(), true).values().forEach(records -> {
            for (ConsumerRecord<byte[], byte[]> record : records) {
                deadLetters.add(ShapeOracle.deadLetter(
                        shape.lane(
                                DeadLetterHeaders.get(record.headers(), DeadLetterHeaders.ORIGIN_TOPIC),
                                Integer.parseInt(
                                        DeadLetterHeaders.get(record.headers(), DeadLetterHeaders.ORIGIN_PARTITION))),
                        Long.parseLong(DeadLetterHeaders.get(record.headers(), DeadLetterHeaders.ORIGIN_OFFSET)),
                        DeadLetterHeaders.get(record.headers(), DeadLetterHeaders.STAGE)));
            }
        });
        Collections.sort(deadLetters);
        return deadLetters;
    }

    private List<String> tableDeadLetters(Shape shape) throws SQLException {
        List<String> deadLetters = new ArrayList<>();
        try (Connection connection = database.open();
                PreparedStatement statement = connection.prepareStatement("SELECT source, source_partition,"
                        + " source_offset, stage FROM " + shape.deadLetterTable() + " WHERE pipeline = ?")) {
            statement.setString(1, shape.pipeline());
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    deadLetters.add(ShapeOracle.deadLetter(
                            shape.lane(result.getString(1), result.getInt(2)), result.getLong(3), result.getString(4)));
                }
            }
        }
        Collections.sort(deadLetters);
        return deadLetters;
    }

    /** Elements of one sorted list not matched in the other, both ways. */
    private static long multisetDifference(
            List<String> expected, List<String> actual, String what, List<String> examples) {
        Map<String, Integer> balance = new TreeMap<>();
        expected.forEach(e -> balance.merge(e, 1, Integer::sum));
        actual.forEach(a -> balance.merge(a, -1, Integer::sum));
        long mismatches = 0;
        for (Map.Entry<String, Integer> entry : balance.entrySet()) {
            if (entry.getValue() != 0) {
                mismatches += Math.abs(entry.getValue());
                example(
                        examples,
                        what + " " + entry.getKey() + (entry.getValue() > 0 ? " missing " : " extra ")
                                + Math.abs(entry.getValue()) + " time(s)");
            }
        }
        return mismatches;
    }

    /** The idempotent table's rows, by {@code part/k}. */
    private Map<String, Output> tableRows(Shape shape) throws SQLException {
        Map<String, Output> rows = new TreeMap<>();
        try (Connection connection = database.open();
                PreparedStatement statement =
                        connection.prepareStatement("SELECT part, k, value, n FROM " + shape.idempotentTable());
                ResultSet result = statement.executeQuery()) {
            while (result.next()) {
                rows.put(
                        result.getInt(1) + "/" + result.getLong(2),
                        new Output(result.getInt(1), result.getLong(4), result.getLong(3)));
            }
        }
        return rows;
    }

    private static long compareTable(Map<String, Output> table, Committed expected, List<String> examples) {
        Map<String, Output> rows = new TreeMap<>(table);
        Map<String, Output> implied = expected.table();
        long mismatches = 0;
        for (Map.Entry<String, Output> row : implied.entrySet()) {
            Output actual = rows.remove(row.getKey());
            if (!row.getValue().equals(actual)) {
                mismatches++;
                example(
                        examples,
                        "table row " + row.getKey() + " is " + actual + ", the outputs imply " + row.getValue());
            }
        }
        for (String extra : rows.keySet()) {
            mismatches++;
            example(examples, "table row " + extra + " that no output implies");
        }
        return mismatches;
    }

    private static void example(List<String> examples, String problem) {
        if (examples.size() < EXAMPLES) {
            examples.add(problem);
        }
    }
}
