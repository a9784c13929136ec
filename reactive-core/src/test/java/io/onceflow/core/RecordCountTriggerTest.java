package io.onceflow.core;

import static io.onceflow.core.VirtualTime.withVirtualTime;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

// The record-count trigger: a checkpoint as soon as N records were read since the previous marker, without waiting.
class RecordCountTriggerTest {

    private final TestSource<String> source = TestSource.create();
    private final InMemoryCommitPoint<String> sink = InMemoryCommitPoint.create();

    private Pipeline pipeline(Duration interval, long records) {
        return Onceflow.pipeline("records")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(interval)
                .checkpointAfterRecords(records)
                .from(source)
                .to(sink);
    }

    @Test
    void checkpointsAsSoonAsTheCountIsReachedWithoutWaitingForTheInterval() {
        Pipeline pipeline = pipeline(Duration.ofHours(1), 3);

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> source.emit("a", "b"))
                .expectNoEvent(Duration.ofMinutes(10))
                .then(() -> source.emit("c"))
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(1));
                    assertThat(event.records()).isEqualTo(3);
                })
                .then(() -> assertThat(sink.committed()).containsExactly("a", "b", "c"))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void aCheckpointDueUnderLoadFollowsTheRecordThatMadeItDueWhateverThreadAsksForMore() {
        // demand comes back from the parallel scheduler, while the source emits on another thread: a merge of
        // wake-ups and records let the due marker wait for the whole input (one checkpoint of 12,000 records)
        TestSource<Integer> burst = TestSource.create("burst", 3);
        for (int i = 0; i < 12_000; i++) {
            burst.emitTo(i % 3, i);
        }
        burst.complete();
        List<CheckpointEvent> events = Onceflow.pipeline("under-load")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(Duration.ZERO)
                .checkpointAfterRecords(400)
                .from(burst)
                .flatMap(
                        value -> value % 8 == 0
                                ? Mono.just(value).delayElement(Duration.ofMillis(1), Schedulers.parallel())
                                : Mono.just(value),
                        8)
                .to(InMemoryCommitPoint.<Integer>create())
                .run()
                .collectList()
                .block(Duration.ofSeconds(60));
        assertThat(events).hasSize(30).allSatisfy(event -> {
            assertThat(event.completed()).isTrue();
            assertThat(event.records()).isEqualTo(400);
        });
    }

    @Test
    void aBurstOfRecordsIsCutIntoCheckpointsOfTheCount() {
        Pipeline pipeline = pipeline(Duration.ofHours(1), 3);

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> source.emit("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"))
                .assertNext(event -> assertThat(event.records()).isEqualTo(3))
                .assertNext(event -> assertThat(event.records()).isEqualTo(3))
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(3));
                    assertThat(event.records()).isEqualTo(3);
                })
                .expectNoEvent(Duration.ofMinutes(10))
                .then(() -> assertThat(sink.committed()).hasSize(9))
                .then(() -> assertThat(sink.pending()).containsExactly("j"))
                .thenAwait(Duration.ofHours(1))
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(4));
                    assertThat(event.records()).isEqualTo(1);
                })
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void theCountStartsAgainAfterAMarkerOfAnyTrigger() {
        Pipeline pipeline = pipeline(Duration.ofSeconds(1), 3);

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> source.emit("a", "b"))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> assertThat(event.records()).isEqualTo(2))
                // two more since the interval's marker: under the count, although four since the start
                .then(() -> source.emit("c", "d"))
                .expectNoEvent(Duration.ofMillis(999))
                .then(() -> source.emit("e"))
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(2));
                    assertThat(event.records()).isEqualTo(3);
                })
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void aCountReachedWhileACheckpointIsInFlightWaitsForItThenCheckpointsAtOnce() {
        SlowCommitPoint<String> slow = SlowCommitPoint.wrap(sink).hold();
        Pipeline pipeline = Onceflow.pipeline("records")
                .meterRegistry(new SimpleMeterRegistry())
                .checkpointEvery(Duration.ofHours(1))
                .checkpointAfterRecords(2)
                .from(source)
                .to(slow);

        withVirtualTime(pipeline::run)
                .expectSubscription()
                .then(() -> source.emit("a", "b"))
                .then(() -> assertThat(slow.sealed()).containsExactly(1L))
                .then(() -> source.emit("c", "d", "e"))
                .expectNoEvent(Duration.ofSeconds(30))
                .then(() -> assertThat(slow.sealed()).containsExactly(1L))
                .then(slow::release)
                .assertNext(event -> assertThat(event).isEqualTo(CheckpointEvent.completed(1)))
                .assertNext(event -> {
                    assertThat(event).isEqualTo(CheckpointEvent.completed(2));
                    assertThat(event.records()).isEqualTo(3);
                })
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(sink.committed()).containsExactly("a", "b", "c", "d", "e");
    }
}
