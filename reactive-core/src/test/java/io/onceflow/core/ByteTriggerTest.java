package io.onceflow.core;

import static io.onceflow.core.VirtualTime.withVirtualTime;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import org.junit.jupiter.api.Test;

// The byte trigger: a source reports the bytes it reads, and a checkpoint follows once the bound is read.
class ByteTriggerTest {

    private final TestSource<String> records = TestSource.create();
    private final InMemoryCommitPoint<String> sink = InMemoryCommitPoint.create();

    private Pipeline pipeline(Duration interval, long bytes) {
        return Onceflow.pipeline("bytes")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(interval)
                .checkpointAfterBytes(bytes)
                .from(InstrumentedSource.withBytes(records, 100))
                .to(sink);
    }

    @Test
    void checkpointsOnceTheSourceHasReadTheByteBound() {
        Pipeline pipeline = pipeline(Duration.ofHours(1), 250);

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> records.emit("a", "b"))
                .expectNoEvent(Duration.ofMinutes(10))
                .then(() -> records.emit("c"))
                .expectNext(CheckpointEvent.completed(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(sink.committed()).isNotEmpty().isSubsetOf("a", "b", "c");
    }

    @Test
    void theByteCountStartsAgainAfterEachMarker() {
        Pipeline pipeline = pipeline(Duration.ofSeconds(1), 250);

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> records.emit("a", "b"))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                // 200 bytes since the marker, 400 in all: under the bound
                .then(() -> records.emit("c", "d"))
                .expectNoEvent(Duration.ofMillis(999))
                .then(() -> records.emit("e"))
                .expectNext(CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void theByteBoundAloneIsEnoughToCheckpoint() {
        Pipeline pipeline = pipeline(Duration.ZERO, 1_000);

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> {
                    for (int i = 0; i < 25; i++) {
                        records.emit("r" + i);
                    }
                })
                .expectNext(CheckpointEvent.completed(1), CheckpointEvent.completed(2))
                .expectNoEvent(Duration.ofSeconds(30))
                .then(() -> assertThat(sink.committed().size() + sink.pending().size())
                        .isEqualTo(25))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(sink.committed().size()).isBetween(18, 20);
    }
}
