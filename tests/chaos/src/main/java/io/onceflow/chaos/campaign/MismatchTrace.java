package io.onceflow.chaos.campaign;

import io.onceflow.chaos.shapes.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the processors' logs say about a shape's mismatch, picked out for the campaign's own output.
 *
 * <p>Why: a CI run keeps its console output, not the processors' logs, and a mismatch that the rerun of its seed does
 * not reproduce (the faults' timing differs) can only be explained from what was printed. For each lane a mismatch
 * names, the trace shows the lane's claims, revocations and failed checkpoints in every processor, and the commits
 * that bracket the mismatch's offset (the last whose position for the lane is at or before it, the first past it);
 * for a dead letter, also every line that names its record (each committed dead letter is logged at debug).
 */
final class MismatchTrace {

    /** Lines of one trace, at most: a mismatch of many records must not flood the output. */
    static final int MAX_LINES = 300;

    private static final Pattern DEAD_LETTER = Pattern.compile("dead letter (\\d+)@(\\d+) \\S+ (missing|extra)");
    private static final Pattern LANE = Pattern.compile("^lane (\\d+):");
    private static final Pattern LIFECYCLE =
            Pattern.compile("assigned=|claimed |revoked=|starting after|opened at epoch");

    private MismatchTrace() {}

    /** The trace of {@code shape}'s mismatch {@code examples}, from the processors' logs in {@code directory}. */
    static List<String> of(Shape shape, List<String> examples, Path directory) {
        // each lane the examples name, as its partition's name, with the first offset they name in it
        Map<String, Long> firstOffsets = new TreeMap<>();
        Set<String> records = new LinkedHashSet<>();
        for (String example : examples) {
            Matcher deadLetter = DEAD_LETTER.matcher(example);
            if (deadLetter.find()) {
                String partition = partitionOf(shape, Integer.parseInt(deadLetter.group(1)));
                long offset = Long.parseLong(deadLetter.group(2));
                firstOffsets.merge(partition, offset, Math::min);
                records.add(partition + "@" + offset);
            }
            Matcher output = LANE.matcher(example);
            if (output.find()) {
                firstOffsets.putIfAbsent(partitionOf(shape, Integer.parseInt(output.group(1))), Long.MAX_VALUE);
            }
        }
        List<String> trace = new ArrayList<>();
        if (!firstOffsets.isEmpty()) {
            for (Path log : logs(directory)) {
                trace.addAll(linesOf(log, shape.pipeline(), firstOffsets, records));
            }
        }
        return trace.size() <= MAX_LINES ? trace : trace.subList(0, MAX_LINES);
    }

    private static String partitionOf(Shape shape, int lane) {
        return shape.topicOf(lane) + "-" + shape.partitionOf(lane);
    }

    private static List<Path> logs(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".log"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * The lines of one processor's log about the named lanes of the pipeline, in the log's order, prefixed with the
     * log's name: the lanes' claims and revocations, the pipeline's failures, the lines naming the records, and for
     * each lane the commits around its first offset.
     */
    private static List<String> linesOf(
            Path log, String pipeline, Map<String, Long> firstOffsets, Set<String> records) {
        String pipelineTag = "pipeline=" + pipeline + " ";
        List<String> lines;
        try {
            lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (IOException | UncheckedIOException e) {
            return List.of(log.getFileName() + ": unreadable: " + e);
        }
        Set<Integer> picked = new TreeSet<>();
        Map<String, Integer> lastBefore = new HashMap<>(); // per partition: the last commit at or before its offset
        Set<String> passed = new HashSet<>(); // partitions whose first commit past the offset was picked
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!line.contains(pipelineTag)) {
                continue;
            }
            if (records.stream().anyMatch(record -> containsWhole(line, record))
                    || line.contains(" failed")
                    || (LIFECYCLE.matcher(line).find()
                            && firstOffsets.keySet().stream().anyMatch(line::contains))) {
                picked.add(i);
                continue;
            }
            if (!line.contains(" committed records=")) {
                continue;
            }
            for (Map.Entry<String, Long> lane : firstOffsets.entrySet()) {
                String positionTag = lane.getKey() + "=";
                if (passed.contains(lane.getKey()) || !line.contains(positionTag)) {
                    continue;
                }
                if (positionIn(line, positionTag) <= lane.getValue()) {
                    lastBefore.put(lane.getKey(), i);
                } else {
                    Integer before = lastBefore.get(lane.getKey());
                    if (before != null) {
                        picked.add(before);
                    }
                    picked.add(i);
                    passed.add(lane.getKey());
                }
            }
        }
        return picked.stream().map(i -> log.getFileName() + ": " + lines.get(i)).toList();
    }

    /** Whether {@code text} holds {@code record} not followed by a digit (offset 52 is not offset 524). */
    private static boolean containsWhole(String text, String record) {
        int at = text.indexOf(record);
        while (at >= 0) {
            int end = at + record.length();
            if (end == text.length() || !Character.isDigit(text.charAt(end))) {
                return true;
            }
            at = text.indexOf(record, at + 1);
        }
        return false;
    }

    private static long positionIn(String line, String positionTag) {
        int at = line.indexOf(positionTag) + positionTag.length();
        int end = at;
        while (end < line.length() && Character.isDigit(line.charAt(end))) {
            end++;
        }
        return end == at ? -1 : Long.parseLong(line.substring(at, end));
    }
}
