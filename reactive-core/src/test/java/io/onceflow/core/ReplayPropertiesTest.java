package io.onceflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.ProtocolStep;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Property: replay from any completed checkpoint reproduces the same committed output. A pipeline that is stopped
 * abruptly after a random number of checkpoints and started again, or that fails at random protocol steps,
 * commits exactly what a run without failure commits: the same outputs per partition, in the same order.
 */
class ReplayPropertiesTest {

    private static final int PARTITIONS = 3;

    record Event(int key, int amount) {}

    record Total(int key, long sum, long count) {
        static Total empty(int key) {
            return new Total(key, 0, 0);
        }

        Total add(Event event) {
            return new Total(key, sum + event.amount(), count + 1);
        }
    }

    @Property(tries = 60)
    void restartingAfterAnyCompletedCheckpointCommitsTheSameOutput(
            @ForAll @Size(min = 1, max = 300) List<@IntRange(min = 0, max = 20) Integer> keys,
            @ForAll @IntRange(min = 1, max = 40) int checkpointEvery,
            @ForAll @IntRange(min = 0, max = 20) int stopAfterCheckpoints) {
        Map<Integer, List<Total>> expected = committedPerPartition(run(keys, checkpointEvery, -1, 0));
        Map<Integer, List<Total>> replayed = committedPerPartition(run(keys, checkpointEvery, stopAfterCheckpoints, 0));
        assertThat(replayed).isEqualTo(expected);
    }

    @Property(tries = 60)
    void randomProtocolFailuresCommitTheSameOutput(
            @ForAll @Size(min = 1, max = 300) List<@IntRange(min = 0, max = 20) Integer> keys,
            @ForAll @IntRange(min = 1, max = 40) int checkpointEvery,
            @ForAll @IntRange(min = 1, max = 1000) int seed) {
        Map<Integer, List<Total>> expected = committedPerPartition(run(keys, checkpointEvery, -1, 0));
        Map<Integer, List<Total>> withFailures = committedPerPartition(run(keys, checkpointEvery, -1, seed));
        assertThat(withFailures).isEqualTo(expected);
    }

    /**
     * Runs the pipeline over the events of {@code keys}. When {@code stopAfter >= 0}, the first run is cancelled
     * after that many completed checkpoints and a new pipeline finishes the job; when {@code seed > 0}, the commit
     * point fails at random protocol steps.
     */
    private static InMemoryCommitPoint<Total> run(List<Integer> keys, int checkpointEvery, int stopAfter, int seed) {
        TestSource<Event> source = TestSource.create("events", PARTITIONS);
        for (int i = 0; i < keys.size(); i++) {
            int key = keys.get(i);
            source.emitTo(key % PARTITIONS, new Event(key, i + 1));
        }
        source.complete();
        InMemoryCommitPoint<Total> sink = InMemoryCommitPoint.create("totals");
        if (seed > 0) {
            sink.failRandomly(
                    0.25,
                    seed,
                    ProtocolStep.OPEN,
                    ProtocolStep.RECOVER,
                    ProtocolStep.BEFORE_COMMIT,
                    ProtocolStep.AFTER_COMMIT);
        }
        if (stopAfter >= 0) {
            pipeline(source, sink, checkpointEvery).run().take(stopAfter).blockLast(Duration.ofSeconds(30));
        }
        pipeline(source, sink, checkpointEvery).run().blockLast(Duration.ofSeconds(30));
        return sink;
    }

    private static Pipeline pipeline(TestSource<Event> source, InMemoryCommitPoint<Total> sink, int every) {
        return Onceflow.pipeline("replay")
                .checkpointEvery(Duration.ZERO)
                .checkpointAfterRecords(every)
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.defaults()
                        .withMaxAttempts(Long.MAX_VALUE)
                        .withBackoff(Duration.ZERO, Duration.ofMillis(1)))
                .from(source)
                .filter(event -> event.amount() % 11 != 0)
                .keyed(Event::key, Total::empty, Total::add)
                .to(sink);
    }

    private static Map<Integer, List<Total>> committedPerPartition(InMemoryCommitPoint<Total> sink) {
        Map<Integer, List<Total>> byPartition = new TreeMap<>();
        for (Data<Total> record : sink.committedRecords()) {
            byPartition
                    .computeIfAbsent(record.origin().partition(), p -> new ArrayList<>())
                    .add(record.value());
        }
        return byPartition;
    }
}
