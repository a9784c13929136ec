package io.onceflow.core;

import static io.onceflow.core.DeadLetters.deadLetterOf;
import static io.onceflow.core.testkit.TestElements.data;
import static io.onceflow.core.testkit.TestElements.marker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;
import reactor.util.concurrent.Queues;

/**
 * Checkpointed.window: tumbling and sliding event-time windows that fire on a per-partition watermark, re-emit within
 * allowed lateness, dead-letter later records, attach their state to markers and restore it after a restart.
 */
class WindowOperatorTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    record Event(String key, int amount) {}

    /** An event of partition 0 with an event time. */
    private static Data<Event> at(long timestamp, long offset, String key, int amount) {
        return at(0, timestamp, offset, key, amount);
    }

    private static Data<Event> at(int partition, long timestamp, long offset, String key, int amount) {
        return data(new Event(key, amount), partition, offset, timestamp);
    }

    /** A result, as the output derived from {@code trigger}: the record that made it fire or changed it. */
    private static Data<WindowResult<String, Integer>> fired(
            Data<Event> trigger, String key, long start, long end, int sum, boolean update) {
        return trigger.withValue(new WindowResult<>(key, start, end, sum, update));
    }

    private static Function<Flux<StreamElement<Event>>, Flux<StreamElement<WindowResult<String, Integer>>>> sums(
            Windows windows) {
        return Checkpointed.window(windows, Event::key, () -> 0, (sum, event) -> sum + event.amount());
    }

    private static Windows tumbling10() {
        return Windows.tumbling(Duration.ofMillis(10));
    }

    /** The marker's state changes as {@code partition/key -> text}, a removal as {@code null}. */
    private static Map<String, String> stateOf(StreamElement<?> element) {
        assertThat(element).isInstanceOf(Marker.class);
        Map<String, String> state = new HashMap<>();
        for (StateChange change : ((Marker<?>) element).stateChanges()) {
            assertThat(change.operator()).isEqualTo("window");
            state.put(
                    change.partition() + "/" + change.key(),
                    change.isTombstone() ? null : text(change.key(), change.value()));
        }
        return state;
    }

    /** A window state entry as text: the watermark's digits, or a key's windows as a JSON-like list. */
    private static String text(String key, byte[] value) {
        if (!key.startsWith("k:")) {
            return new String(value, StandardCharsets.UTF_8);
        }
        ByteBuffer in = ByteBuffer.wrap(value);
        assertThat(in.get()).as("format").isEqualTo((byte) 1);
        StringJoiner windows = new StringJoiner(",", "[", "]");
        for (int count = in.getInt(); count > 0; count--) {
            long start = in.getLong();
            in.getLong(); // the window's sequence
            boolean fired = in.get() != 0;
            byte[] aggregate = new byte[in.getInt()];
            in.get(aggregate);
            windows.add("{\"start\":" + start + ",\"fired\":" + fired + ",\"aggregate\":"
                    + new String(aggregate, StandardCharsets.UTF_8) + "}");
        }
        return windows.toString();
    }

    @Test
    void aTumblingWindowFiresWhenTheWatermarkReachesItsEnd() {
        Data<Event> atTen = at(10, 3, "a", 8);
        Data<Event> atTwentyFive = at(25, 5, "b", 1);

        StepVerifier.create(Flux.<StreamElement<Event>>just(
                                at(1, 0, "a", 1),
                                at(5, 1, "a", 2),
                                at(9, 2, "a", 4),
                                marker(1, 3),
                                atTen,
                                marker(2, 4),
                                at(19, 4, "a", 16),
                                atTwentyFive,
                                marker(3, 6))
                        .transform(sums(tumbling10())))
                // watermark 9: [0, 10) is still open
                .assertNext(element -> assertThat(element).isInstanceOf(Marker.class))
                // watermark 10: [0, 10) fires with the records before 10, the result has the origin of the record at 10
                .expectNext(fired(atTen, "a", 0, 10, 7, false))
                .assertNext(element -> assertThat(element).isInstanceOf(Marker.class))
                .expectNext(fired(atTwentyFive, "a", 10, 20, 24, false))
                .assertNext(element -> assertThat(element).isInstanceOf(Marker.class))
                .verifyComplete();
    }

    @Test
    void theWatermarkTrailsTheHighestTimestampByTheMaxOutOfOrderness() {
        Data<Event> atFifteen = at(15, 2, "a", 100);

        StepVerifier.create(Flux.<StreamElement<Event>>just(at(12, 0, "a", 1), at(4, 1, "a", 10), atFifteen)
                        .transform(sums(tumbling10().maxOutOfOrderness(Duration.ofMillis(5)))))
                // at 12 the watermark is 7: the record at 4 is still on time; at 15 it is 10 and [0, 10) fires
                .expectNext(fired(atFifteen, "a", 0, 10, 10, false))
                .verifyComplete();
    }

    @Test
    void slidingWindowsHoldEachRecordInSizeOverSlideWindows() {
        Data<Event> atTwelve = at(12, 1, "a", 2);
        Data<Event> atTwenty = at(20, 2, "a", 4);

        StepVerifier.create(Flux.<StreamElement<Event>>just(at(7, 0, "a", 1), atTwelve, atTwenty)
                        .transform(sums(Windows.sliding(Duration.ofMillis(10), Duration.ofMillis(5)))))
                .expectNext(fired(atTwelve, "a", 0, 10, 1, false))
                .expectNext(fired(atTwenty, "a", 5, 15, 3, false), fired(atTwenty, "a", 10, 20, 2, false))
                .verifyComplete();
    }

    @Test
    void aRecordWithinTheAllowedLatenessReEmitsTheWindowAsAnUpdate() {
        Data<Event> atTen = at(10, 1, "a", 1);
        Data<Event> lateAtThree = at(3, 2, "a", 10);
        Data<Event> tooLateAtFour = at(4, 4, "a", 1000);

        StepVerifier.create(Flux.<StreamElement<Event>>just(
                                at(2, 0, "a", 1), atTen, lateAtThree, at(15, 3, "a", 1), tooLateAtFour, marker(1, 5))
                        .transform(sums(tumbling10().allowedLateness(Duration.ofMillis(5)))))
                .expectNext(fired(atTen, "a", 0, 10, 1, false))
                // watermark 10, window end 10 plus lateness 5: still accepted, re-emitted as an update
                .expectNext(fired(lateAtThree, "a", 0, 10, 11, true))
                // watermark 15 expires [0, 10): a record for it is dead-lettered, never dropped
                .assertNext(deadLetterOf(tooLateAtFour, "window:window", LateRecordException.class, "watermark 15"))
                .assertNext(element -> assertThat(stateOf(element))
                        .containsOnly(
                                entry("test-0/watermark", "15"),
                                entry("test-0/k:a", "[{\"start\":10,\"fired\":false,\"aggregate\":2}]")))
                .verifyComplete();
    }

    @Test
    void withoutAllowedLatenessARecordForAFiredWindowIsDeadLettered() {
        Data<Event> late = at(9, 2, "a", 1);

        StepVerifier.create(
                        Flux.<StreamElement<Event>>just(at(1, 0, "a", 1), at(10, 1, "a", 1), late, at(11, 3, "a", 1))
                                .transform(sums(tumbling10())))
                .expectNextCount(1)
                .assertNext(deadLetterOf(late, "window:window", LateRecordException.class, "test-0@2"))
                .verifyComplete();
    }

    @Test
    void watermarksArePerPartitionAndSoAreWindows() {
        Data<Event> partitionZeroAtTwelve = at(0, 12, 2, "a", 1);

        StepVerifier.create(Flux.<StreamElement<Event>>just(
                                at(0, 1, 0, "a", 1),
                                at(1, 100, 0, "a", 50),
                                // partition 1 at 100 neither fires partition 0's windows nor makes its records late
                                at(0, 5, 1, "a", 2),
                                partitionZeroAtTwelve,
                                at(1, 3, 2, "a", 1000))
                        .transform(sums(tumbling10())))
                .expectNext(fired(partitionZeroAtTwelve, "a", 0, 10, 3, false))
                .assertNext(
                        deadLetterOf(at(1, 3, 2, "a", 1000), "window:window", LateRecordException.class, "test-1@2"))
                .verifyComplete();
    }

    @Test
    void markersCarryTheChangedKeysAndWatermarksOnly() {
        StepVerifier.create(Flux.<StreamElement<Event>>just(
                                at(1, 0, "a", 1),
                                at(2, 1, "b", 1),
                                marker(1, 2),
                                at(3, 2, "a", 1),
                                marker(2, 3),
                                marker(3, 3),
                                at(1, 5, 3, "c", 1),
                                at(10, 4, "a", 1),
                                marker(4, 5))
                        .transform(sums(tumbling10())))
                .assertNext(element -> assertThat(stateOf(element))
                        .containsOnly(
                                entry("test-0/watermark", "2"),
                                entry("test-0/k:a", "[{\"start\":0,\"fired\":false,\"aggregate\":1}]"),
                                entry("test-0/k:b", "[{\"start\":0,\"fired\":false,\"aggregate\":1}]")))
                .assertNext(element -> assertThat(stateOf(element))
                        .containsOnly(
                                entry("test-0/watermark", "3"),
                                entry("test-0/k:a", "[{\"start\":0,\"fired\":false,\"aggregate\":2}]")))
                .assertNext(element -> assertThat(stateOf(element)).isEmpty())
                .expectNextCount(2)
                // [0, 10) fired and expired for a and b: a keeps its new window, b's entry is removed
                .assertNext(element -> assertThat(stateOf(element))
                        .containsOnly(
                                entry("test-0/watermark", "10"),
                                entry("test-0/k:a", "[{\"start\":10,\"fired\":false,\"aggregate\":1}]"),
                                entry("test-0/k:b", null),
                                entry("test-1/watermark", "5"),
                                entry("test-1/k:c", "[{\"start\":0,\"fired\":false,\"aggregate\":1}]")))
                .verifyComplete();
    }

    @Test
    void aFailingAddDeadLettersTheRecordAndChangesNoneOfItsWindows() {
        IllegalStateException boom = new IllegalStateException("overflow");
        Data<Event> poison = at(7, 1, "a", 1);
        Data<Event> atTwentyFive = at(25, 2, "a", 1);

        StepVerifier.create(Flux.<StreamElement<Event>>just(at(2, 0, "a", 100), poison, atTwentyFive)
                        .transform(Checkpointed.<Event, String, Integer>window(
                                Windows.sliding(Duration.ofMillis(10), Duration.ofMillis(5)),
                                Event::key,
                                () -> 0,
                                (sum, event) -> {
                                    // [5, 15) is added to first and would succeed, [0, 10) then fails
                                    if (sum == 100) {
                                        throw boom;
                                    }
                                    return sum + event.amount();
                                })))
                .assertNext(deadLetterOf(poison, "window:window", boom))
                // no [5, 15) window exists: the failed record left no trace
                .expectNext(fired(atTwentyFive, "a", -5, 5, 100, false), fired(atTwentyFive, "a", 0, 10, 100, false))
                .verifyComplete();
    }

    @Test
    void failingOrNullKeyAndAggregateFunctionsDeadLetterTheRecord() {
        IllegalArgumentException boom = new IllegalArgumentException("no key");
        Data<Event> throwingKey = at(1, 0, "throw", 1);
        Data<Event> nullKey = at(2, 1, "null", 1);
        Data<Event> nullSum = at(3, 2, "null-sum", 1);

        StepVerifier.create(Flux.<StreamElement<Event>>just(throwingKey, nullKey, nullSum, marker(1, 3))
                        .transform(Checkpointed.<Event, String, Integer>window(
                                tumbling10(),
                                event -> {
                                    if (event.key().equals("throw")) {
                                        throw boom;
                                    }
                                    return event.key().equals("null") ? null : event.key();
                                },
                                () -> 0,
                                (sum, event) -> event.key().equals("null-sum") ? null : sum + event.amount())))
                .assertNext(deadLetterOf(throwingKey, "window:window", boom))
                .assertNext(deadLetterOf(nullKey, "window:window", NullPointerException.class, "key function"))
                .assertNext(deadLetterOf(nullSum, "window:window", NullPointerException.class, "add function"))
                // the watermark did not move either: nothing of the failed records was kept
                .assertNext(element -> assertThat(stateOf(element)).isEmpty())
                .verifyComplete();

        Data<Event> record = at(1, 0, "a", 1);
        StepVerifier.create(Flux.<StreamElement<Event>>just(record)
                        .transform(Checkpointed.<Event, String, Integer>window(
                                tumbling10(), Event::key, () -> null, (sum, event) -> sum + event.amount())))
                .assertNext(deadLetterOf(record, "window:window", NullPointerException.class, "initial aggregate"))
                .verifyComplete();
    }

    @Test
    void aNamedWindowNamesItsStateAndItsDeadLetters() {
        Data<Event> late = at(1, 1, "a", 1);

        StepVerifier.create(Flux.<StreamElement<Event>>just(at(20, 0, "a", 1), late, marker(1, 2))
                        .transform(sums(tumbling10().named("per-minute"))))
                .assertNext(deadLetterOf(late, "window:per-minute", LateRecordException.class, "later than"))
                .assertNext(element -> assertThat(((Marker<?>) element).stateChanges())
                        .extracting(StateChange::operator)
                        .containsOnly("per-minute"))
                .verifyComplete();
    }

    @Test
    void upstreamErrorPassesThrough() {
        TestPublisher<StreamElement<Event>> upstream = TestPublisher.create();
        IllegalStateException failure = new IllegalStateException("source failed");

        StepVerifier.create(upstream.flux().transform(sums(tumbling10())))
                .then(() -> upstream.next(at(1, 0, "a", 1), at(10, 1, "a", 1)))
                .expectNextCount(1)
                .then(() -> upstream.error(failure))
                .expectErrorSatisfies(error -> assertThat(error).isSameAs(failure))
                .verify(TIMEOUT);
    }

    @Test
    void cancellationCancelsUpstream() {
        TestPublisher<StreamElement<Event>> upstream = TestPublisher.create();

        StepVerifier.create(upstream.flux().transform(sums(tumbling10())))
                .then(() -> upstream.next(at(1, 0, "a", 1), at(10, 1, "a", 1)))
                .expectNextCount(1)
                .thenCancel()
                .verify(TIMEOUT);

        upstream.assertCancelled();
    }

    @Test
    void emitsNoMoreResultsThanRequestedAndPrefetchesABoundedAmount() {
        TestPublisher<StreamElement<Event>> upstream = TestPublisher.create();
        Data<Event> atThirty = at(30, 3, "a", 1);

        StepVerifier.create(upstream.flux().transform(sums(tumbling10())), 0)
                .expectSubscription()
                .then(() -> upstream.assertMaxRequested(Queues.SMALL_BUFFER_SIZE))
                .then(() -> upstream.next(at(1, 0, "a", 1), at(11, 1, "a", 2), at(21, 2, "a", 4), marker(1, 3)))
                .thenRequest(1)
                .assertNext(element -> assertThat(element).isInstanceOf(Data.class))
                .then(() -> upstream.next(atThirty))
                // one record fires three windows: they leave one by one, as requested
                .thenRequest(1)
                .assertNext(element -> assertThat(element).isInstanceOf(Data.class))
                .thenRequest(3)
                .assertNext(element -> assertThat(element).isInstanceOf(Marker.class))
                .expectNext(fired(atThirty, "a", 20, 30, 4, false))
                .then(() -> upstream.assertMaxRequested(Queues.SMALL_BUFFER_SIZE))
                .thenCancel()
                .verify(TIMEOUT);
    }

    @Test
    void recordsAfterCompletionOfANonCompliantPublisherAreDropped() {
        TestPublisher<StreamElement<Event>> upstream =
                TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);
        Data<Event> late = at(10, 1, "a", 1);

        List<Event> added = new CopyOnWriteArrayList<>();

        StepVerifier.create(upstream.flux()
                        .transform(Checkpointed.<Event, String, Integer>window(
                                tumbling10(), Event::key, () -> 0, (sum, event) -> {
                                    added.add(event);
                                    return sum + event.amount();
                                })))
                .then(() -> upstream.next(at(1, 0, "a", 1), marker(1, 1)))
                .assertNext(element -> assertThat(element).isInstanceOf(Marker.class))
                .then(() -> upstream.complete().next(late))
                .expectComplete()
                .verify(TIMEOUT);

        // Reactor's concatMapIterable ignores a signal after completion without reporting it as dropped
        assertThat(added).containsExactly(new Event("a", 1));
    }

    @Test
    void nullElementFromANonCompliantPublisherIsThrownBackToItAndTheStreamGoesOn() {
        TestPublisher<StreamElement<Event>> upstream =
                TestPublisher.createNoncompliant(TestPublisher.Violation.ALLOW_NULL);

        // Reactive Streams rule 2.13: onNext(null) throws a NullPointerException to the caller
        StepVerifier.create(upstream.flux().transform(sums(tumbling10())))
                .then(() -> assertThatThrownBy(() -> upstream.next(null)).isInstanceOf(NullPointerException.class))
                .then(() -> upstream.next(marker(1, 0)))
                .assertNext(element -> assertThat(element).isInstanceOf(Marker.class))
                .then(upstream::complete)
                .verifyComplete();
    }

    @Test
    void invalidWindowsAreRefusedAtAssembly() {
        assertThatThrownBy(() -> Windows.tumbling(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Windows.sliding(Duration.ofMillis(10), Duration.ofMillis(3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("slide must divide size");
        assertThatThrownBy(() -> Windows.sliding(Duration.ofMillis(10), Duration.ofMillis(20)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tumbling10().allowedLateness(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tumbling10().maxOutOfOrderness(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tumbling10().named("a b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WindowResult<>("a", 10, 10, 1, false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void openWindowsSurviveAFailedCommitWithTheSameResultsAsARunWithoutFailure() {
        Run withoutFailure = runLedger(false);
        Run withFailure = runLedger(true);

        assertThat(withFailure.opens).isEqualTo(2);
        assertThat(withoutFailure.opens).isEqualTo(1);
        assertThat(withoutFailure.resultsByPartition)
                .containsOnly(
                        entry(
                                0,
                                List.of(
                                        new WindowResult<>("a", 0, 10, 7, false),
                                        new WindowResult<>("a", 0, 10, 107, true))),
                        entry(1, List.of(new WindowResult<>("a", 0, 10, 10, false))));
        assertThat(withFailure.resultsByPartition).isEqualTo(withoutFailure.resultsByPartition);
        assertThat(withFailure.lateOffsets)
                .isEqualTo(withoutFailure.lateOffsets)
                .containsExactly(6L);
        assertThat(withFailure.state).isEqualTo(withoutFailure.state);
    }

    @Test
    void aRecordFailingWhileItsPartitionsWindowsAreRestoredLeavesThemInPlace() {
        TestSource<Event> events = TestSource.create();
        InMemoryCommitPoint<WindowResult<String, Integer>> sink =
                InMemoryCommitPoint.<WindowResult<String, Integer>>create().withDeadLetters();
        AtomicBoolean failNextInitial = new AtomicBoolean();

        StepVerifier.withVirtualTime(() -> Onceflow.pipeline("windows-restore")
                        .checkpointEvery(Duration.ofSeconds(1))
                        .meterRegistry(new SimpleMeterRegistry())
                        .from(events)
                        .window(
                                tumbling10().named("totals"),
                                Event::key,
                                () -> {
                                    if (failNextInitial.getAndSet(false)) {
                                        throw new IllegalStateException("initial aggregate unavailable");
                                    }
                                    return 0;
                                },
                                (sum, event) -> sum + event.amount())
                        .to(sink)
                        .run())
                .then(() -> events.emitAt(0, 1, new Event("a", 1)).emitAt(0, 5, new Event("a", 2)))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(sink::failNextCommit)
                .then(() -> failNextInitial.set(true))
                .then(() -> events.emitAt(0, 7, new Event("a", 4)))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> assertThat(event.failed()).isTrue())
                // after the restart, restoring [0, 10) for the replayed record at 7 fails: that record is dead-lettered
                .thenAwait(Duration.ofSeconds(5))
                .expectNext(CheckpointEvent.completed(2))
                .then(() -> events.emitAt(0, 12, new Event("a", 1)))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(3))
                .thenCancel()
                .verify(Duration.ofSeconds(10));

        assertThat(sink.deadLetters()).singleElement().satisfies(dead -> {
            assertThat(dead.origin().offset()).isEqualTo(2);
            assertThat(dead.stage()).isEqualTo("window:totals");
        });
        // the window restored for the next record still holds the records of checkpoint 1
        assertThat(sink.committed()).containsExactly(new WindowResult<>("a", 0, 10, 3, false));
    }

    /** What one run of the windowed ledger committed. */
    private record Run(
            Map<Integer, List<WindowResult<String, Integer>>> resultsByPartition,
            List<Long> lateOffsets,
            Map<String, String> state,
            int opens) {}

    private static Run runLedger(boolean failThirdCommit) {
        TestSource<Event> events = TestSource.create("events", 2);
        InMemoryCommitPoint<WindowResult<String, Integer>> sink =
                InMemoryCommitPoint.<WindowResult<String, Integer>>create().withDeadLetters();

        StepVerifier.Step<CheckpointEvent> firstTwoCheckpoints = StepVerifier.withVirtualTime(
                        () -> Onceflow.pipeline("windows")
                                .checkpointEvery(Duration.ofSeconds(1))
                                .meterRegistry(new SimpleMeterRegistry())
                                .from(events)
                                .window(
                                        tumbling10()
                                                .allowedLateness(Duration.ofMillis(5))
                                                .named("totals"),
                                        Event::key,
                                        () -> 0,
                                        (sum, event) -> sum + event.amount())
                                .to(sink)
                                .run())
                .then(() -> events.emitAt(0, 1, new Event("a", 1))
                        .emitAt(0, 5, new Event("a", 2))
                        .emitAt(1, 3, new Event("a", 10)))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                // p0 at 12 fires p0's [0, 10)
                .then(() -> events.emitAt(0, 7, new Event("a", 4)).emitAt(0, 12, new Event("a", 1)))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(2));
        StepVerifier.Step<CheckpointEvent> thirdCheckpoint = firstTwoCheckpoints
                .then(() -> {
                    if (failThirdCommit) {
                        sink.failNextCommit();
                    }
                })
                // p0 at 8 is late but within lateness: an update of a window fired in checkpoint 2; p1 at 20 fires
                .then(() -> events.emitAt(0, 8, new Event("a", 100)).emitAt(1, 20, new Event("a", 1)))
                .thenAwait(Duration.ofSeconds(1));
        if (failThirdCommit) {
            // the restarted run restores checkpoint 2's windows, fired flags and watermarks, then replays
            thirdCheckpoint = thirdCheckpoint
                    .assertNext(event -> assertThat(event.failed()).isTrue())
                    .thenAwait(Duration.ofSeconds(5));
        }
        thirdCheckpoint
                .expectNext(CheckpointEvent.completed(3))
                // p0 at 16 expires [0, 10), so that p0 at 9 is too late
                .then(() -> events.emitAt(0, 16, new Event("a", 1)).emitAt(0, 9, new Event("a", 1000)))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(4))
                .thenCancel()
                .verify(Duration.ofSeconds(10));

        Map<Integer, List<WindowResult<String, Integer>>> byPartition = sink.committedRecords().stream()
                .collect(Collectors.groupingBy(
                        record -> record.origin().partition(), Collectors.mapping(Data::value, Collectors.toList())));
        List<Long> late =
                sink.deadLetters().stream().map(dead -> dead.origin().offset()).toList();
        return new Run(byPartition, late, sink.committedState("totals"), events.opens());
    }
}
