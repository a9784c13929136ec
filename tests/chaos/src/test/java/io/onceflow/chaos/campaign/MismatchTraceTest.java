package io.onceflow.chaos.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.chaos.shapes.Shape;
import io.onceflow.chaos.shapes.SinkSet;
import io.onceflow.chaos.shapes.Stage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A mismatch's trace picks, out of the processors' logs, the lines about its lane and record, and nothing else. */
class MismatchTraceTest {

    private final Shape shape = new Shape(
            11,
            List.of(new Stage(Stage.Kind.DEDUPLICATE, 342), new Stage(Stage.Kind.KEYED_GENERIC_RECORD, 932)),
            SinkSet.POSTGRES_AND_TABLE,
            2,
            1,
            Duration.ofMillis(330),
            Shape.Coalescing.ROWS);

    @Test
    void aMissingDeadLetterIsTracedToItsLanesClaimsAndTheCommitsAroundItsOffset(@TempDir Path logs) throws Exception {
        Files.write(
                logs.resolve("ledger-pg-1.log"),
                List.of(
                        "00:12:18.101 INFO io.onceflow.CHECKPOINT - pipeline=shape-11 assigned=[shape-11-in-0]"
                                + " positions={shape-11-in-0=303} stateEntries=12",
                        "00:12:19.000 DEBUG io.onceflow.COMMIT - pipeline=shape-11 checkpoint=4 sink=out committed"
                                + " records=3 deadLetters=0 positions={shape-11-in-0=480, shape-11-in-1-0=200}",
                        "00:12:20.000 DEBUG io.onceflow.COMMIT - pipeline=shape-11 checkpoint=5 sink=out committed"
                                + " records=3 deadLetters=1 positions={shape-11-in-0=510, shape-11-in-1-0=200}",
                        "00:12:21.000 DEBUG io.onceflow.COMMIT - pipeline=shape-11 checkpoint=6 sink=out"
                                + " dead-lettered DeadLetter[shape-11-in-0@524 at deduplicate:s0: duplicate]",
                        "00:12:21.001 DEBUG io.onceflow.COMMIT - pipeline=shape-11 checkpoint=6 sink=out committed"
                                + " records=3 deadLetters=1 positions={shape-11-in-0=530, shape-11-in-1-0=200}",
                        "00:12:22.000 DEBUG io.onceflow.COMMIT - pipeline=shape-11 checkpoint=7 sink=out committed"
                                + " records=3 deadLetters=0 positions={shape-11-in-0=600}",
                        "00:12:22.500 DEBUG io.onceflow.COMMIT - pipeline=shape-11 checkpoint=7 sink=out"
                                + " dead-lettered DeadLetter[shape-11-in-0@5240 at deduplicate:s0: duplicate]",
                        "00:12:23.000 DEBUG io.onceflow.COMMIT - pipeline=shape-1 checkpoint=7 sink=out"
                                + " dead-lettered DeadLetter[shape-11-in-0@524 at deduplicate:s0: other pipeline]",
                        "00:12:27.000 INFO io.onceflow.CHECKPOINT - pipeline=shape-11 revoked=[shape-11-in-1-0]"
                                + " after their final checkpoint",
                        "00:13:05.000 WARN io.onceflow.CHECKPOINT - pipeline=shape-11 checkpoint=12 failed: timeout"));
        Files.write(logs.resolve("report.txt"), List.of("pipeline=shape-11 assigned=[shape-11-in-0] not a log"));

        List<String> trace =
                MismatchTrace.of(shape, List.of("dead letter 0@524 deduplicate:s0 missing 1 time(s)"), logs);

        assertThat(trace)
                .containsExactly(
                        "ledger-pg-1.log: 00:12:18.101 INFO io.onceflow.CHECKPOINT - pipeline=shape-11"
                                + " assigned=[shape-11-in-0] positions={shape-11-in-0=303} stateEntries=12",
                        "ledger-pg-1.log: 00:12:20.000 DEBUG io.onceflow.COMMIT - pipeline=shape-11 checkpoint=5"
                                + " sink=out committed records=3 deadLetters=1 positions={shape-11-in-0=510,"
                                + " shape-11-in-1-0=200}",
                        "ledger-pg-1.log: 00:12:21.000 DEBUG io.onceflow.COMMIT - pipeline=shape-11 checkpoint=6"
                                + " sink=out dead-lettered DeadLetter[shape-11-in-0@524 at deduplicate:s0: duplicate]",
                        "ledger-pg-1.log: 00:12:21.001 DEBUG io.onceflow.COMMIT - pipeline=shape-11 checkpoint=6"
                                + " sink=out committed records=3 deadLetters=1 positions={shape-11-in-0=530,"
                                + " shape-11-in-1-0=200}",
                        "ledger-pg-1.log: 00:13:05.000 WARN io.onceflow.CHECKPOINT - pipeline=shape-11"
                                + " checkpoint=12 failed: timeout");
    }

    @Test
    void anOutputMismatchIsTracedToItsLanesClaimsAndIsBounded(@TempDir Path logs) throws Exception {
        List<String> many = new java.util.ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            many.add("pipeline=shape-11 assigned=[shape-11-in-1-0] positions={} stateEntries=" + i);
        }
        Files.write(logs.resolve("ledger-pg-2.log"), many);

        List<String> trace = MismatchTrace.of(shape, List.of("lane 1: output 7 (12) missing"), logs);

        assertThat(trace).hasSize(MismatchTrace.MAX_LINES).allMatch(line -> line.contains("shape-11-in-1-0"));
        assertThat(MismatchTrace.of(shape, List.of("lane 0: output 7 (12) missing"), logs))
                .isEmpty();
    }
}
