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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

/**
 * Checkpointed.deduplicate: the first record of a key passes, later ones within the retention (event time, watermark
 * per partition) are dead-lettered naming the first; keys are forgotten after the retention; late records are
 * dead-lettered; the remembered keys ride on the markers and are restored after a restart.
 */
class DeduplicateOperatorTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final Duration RETENTION = Duration.ofMillis(10);

    record Pay(String id, int amount) {}

    record Id(String account, long number) {}

    private static Data<Pay> at(long timestamp, long offset, String id) {
        return at(0, timestamp, offset, id);
    }

    private static Data<Pay> at(int partition, long timestamp, long offset, String id) {
        return data(new Pay(id, 1), partition, offset, timestamp);
    }

    private static Function<Flux<StreamElement<Pay>>, Flux<StreamElement<Pay>>> byId() {
        return Checkpointed.deduplicate(Pay::id, RETENTION);
    }

    /** The marker's state changes as {@code partition/entry -> text}, a removal as {@code null}. */
    private static Map<String, String> stateOf(StreamElement<?> element) {
        assertThat(element).isInstanceOf(Marker.class);
        Map<String, String> state = new HashMap<>();
        for (StateChange change : ((Marker<?>) element).stateChanges()) {
            state.put(
                    change.partition() + "/" + change.key(),
                    change.isTombstone() ? null : new String(change.value(), StandardCharsets.UTF_8));
        }
        return state;
    }

    @Test
    void theFirstRecordOfAKeyPassesAndADuplicateWithinTheRetentionIsDeadLetteredNamingTheFirst() {
        Data<Pay> first = at(1, 0, "p1");
        Data<Pay> other = at(2, 1, "p2");
        Data<Pay> duplicate = at(9, 2, "p1");

        StepVerifier.create(Flux.<StreamElement<Pay>>just(first, other, duplicate, marker(1, 3))
                        .transform(byId()))
                .expectNext(first, other)
                .assertNext(deadLetterOf(duplicate, "deduplicate:deduplicate", DuplicateRecordException.class, "'p1'"))
                .assertNext(element -> assertThat(stateOf(element))
                        // a dead-lettered record changes nothing, not even the watermark
                        .containsOnly(
                                entry("test-0/watermark", "2"),
                                entry("test-0/k:p1", "1@0"),
                                entry("test-0/k:p2", "2@1")))
                .verifyComplete();
    }

    @Test
    void theDuplicatesMessageSaysWhereTheFirstWasReadAndItsOriginIsKept() {
        Data<Pay> duplicate = at(5, 1, "p1");

        StepVerifier.create(Flux.<StreamElement<Pay>>just(at(3, 0, "p1"), duplicate)
                        .transform(
                                Deduplicate.<Pay, String>by(Pay::id, RETENTION).named("payment-ids")))
                .expectNextCount(1)
                .assertNext(element -> {
                    DeadLetter<?> dead = (DeadLetter<?>) element;
                    assertThat(dead.stage()).isEqualTo("deduplicate:payment-ids");
                    assertThat(dead.error())
                            .hasMessageContaining("deduplicate operator 'payment-ids'")
                            .hasMessageContaining("first seen at test-0@0 (timestamp 3)")
                            .hasMessageContaining("this record at test-0@1 (timestamp 5)")
                            .hasMessageContaining("retention of PT0.01S");
                    assertThat(((DuplicateRecordException) dead.error()).first())
                            .isEqualTo(new Origin("test", 0, 0, 3));
                })
                .verifyComplete();
    }

    @Test
    void aKeyIsForgottenOnceTheWatermarkIsTheRetentionPastItsFirstRecord() {
        Data<Pay> stillRemembered = at(10, 2, "p1");
        Data<Pay> again = at(11, 4, "p1");

        StepVerifier.create(Flux.<StreamElement<Pay>>just(
                                at(1, 0, "p1"),
                                marker(1, 1),
                                at(10, 1, "p2"),
                                stillRemembered,
                                at(11, 3, "p3"), // watermark 11: p1's first record (at 1) is 10 behind, forgotten
                                again,
                                marker(2, 5))
                        .transform(byId()))
                .expectNextCount(1)
                .assertNext(element -> assertThat(stateOf(element))
                        .containsOnly(entry("test-0/watermark", "1"), entry("test-0/k:p1", "1@0")))
                .expectNextCount(1)
                // at watermark 10, p1 (first at 1) is 9 behind: still a duplicate
                .assertNext(
                        deadLetterOf(stillRemembered, "deduplicate:deduplicate", DuplicateRecordException.class, "p1"))
                .expectNextCount(1)
                .expectNext(again)
                // p1 was removed and remembered again: the removal comes first, then its new first record
                .assertNext(element -> {
                    List<StateChange> changes = ((Marker<?>) element).stateChanges();
                    assertThat(changes)
                            .extracting(change -> change.key() + "=" + (change.isTombstone() ? null : text(change)))
                            .containsExactly("k:p1=null", "watermark=11", "k:p2=10@1", "k:p3=11@3", "k:p1=11@4");
                })
                .verifyComplete();
    }

    private static String text(StateChange change) {
        return new String(change.value(), StandardCharsets.UTF_8);
    }

    @Test
    void aKeyRememberedAndForgottenBetweenTwoMarkersLeavesNoTrace() {
        StepVerifier.create(Flux.<StreamElement<Pay>>just(at(1, 0, "p1"), at(20, 1, "p2"), marker(1, 2))
                        .transform(byId()))
                .expectNextCount(2)
                .assertNext(element -> assertThat(stateOf(element))
                        .containsOnly(entry("test-0/watermark", "20"), entry("test-0/k:p2", "20@1")))
                .verifyComplete();
    }

    @Test
    void aRecordTheRetentionOrMoreBehindTheWatermarkIsDeadLetteredAsLate() {
        Data<Pay> late = at(10, 1, "p-new");
        Data<Pay> justInTime = at(11, 2, "p-other");

        StepVerifier.create(Flux.<StreamElement<Pay>>just(at(20, 0, "p1"), late, justInTime, marker(1, 3))
                        .transform(byId()))
                .expectNextCount(1)
                .assertNext(deadLetterOf(
                        late,
                        "deduplicate:deduplicate",
                        LateRecordException.class,
                        "PT0.01S or more behind the" + " watermark 20"))
                .expectNext(justInTime)
                .assertNext(element -> assertThat(stateOf(element)).containsKeys("test-0/k:p-other"))
                .verifyComplete();
    }

    @Test
    void keysAndWatermarksArePerPartition() {
        Data<Pay> inPartitionOne = at(1, 5, 0, "p1");
        Data<Pay> earlyInPartitionOne = at(1, 1, 1, "p2");

        StepVerifier.create(Flux.<StreamElement<Pay>>just(
                                at(0, 100, 0, "p1"), inPartitionOne, earlyInPartitionOne, marker(1))
                        .transform(byId()))
                // partition 1 has not seen p1, and partition 0's watermark of 100 makes nothing of it late
                .expectNextCount(1)
                .expectNext(inPartitionOne, earlyInPartitionOne)
                .assertNext(element -> assertThat(stateOf(element))
                        .containsOnly(
                                entry("test-0/watermark", "100"),
                                entry("test-0/k:p1", "100@0"),
                                entry("test-1/watermark", "5"),
                                entry("test-1/k:p1", "5@0"),
                                entry("test-1/k:p2", "1@1")))
                .verifyComplete();
    }

    @Test
    void keysOtherThanStringsAreComparedByTheirJson() {
        Data<Id> duplicate = data(new Id("a", 1), 0, 2, 2);

        StepVerifier.create(Flux.<StreamElement<Id>>just(
                                data(new Id("a", 1), 0, 0, 0), data(new Id("b", 1), 0, 1, 1), duplicate, marker(1))
                        .transform(Checkpointed.deduplicate(Function.<Id>identity(), RETENTION)))
                .expectNextCount(2)
                .assertNext(deadLetterOf(
                        duplicate,
                        "deduplicate:deduplicate",
                        DuplicateRecordException.class,
                        "'{\"account\":\"a\",\"number\":1}'"))
                .assertNext(element -> assertThat(stateOf(element))
                        .containsKeys(
                                "test-0/k:{\"account\":\"a\",\"number\":1}",
                                "test-0/k:{\"account\":\"b\",\"number\":1}"))
                .verifyComplete();
    }

    @Test
    void aLongKeyWithControlCharactersIsShownCutAndEscaped() {
        String key = "\u0000" + "x".repeat(10_000);
        Data<Pay> duplicate = at(2, 1, key);

        StepVerifier.create(
                        Flux.<StreamElement<Pay>>just(at(1, 0, key), duplicate).transform(byId()))
                .expectNextCount(1)
                .assertNext(element -> assertThat(((DeadLetter<?>) element).errorMessage())
                        .contains("'\\u0000xxx")
                        .contains("(cut, 10001 characters)")
                        .hasSizeLessThan(600))
                .verifyComplete();
    }

    @Test
    void failingOrNullKeyFunctionsDeadLetterTheRecordAndRememberNothing() {
        IllegalArgumentException boom = new IllegalArgumentException("no key");
        Data<Pay> throwing = at(50, 0, "throw");
        Data<Pay> nullKey = at(60, 1, "null");

        StepVerifier.create(Flux.<StreamElement<Pay>>just(throwing, nullKey, marker(1, 2))
                        .transform(Checkpointed.<Pay, String>deduplicate(
                                pay -> {
                                    if (pay.id().equals("throw")) {
                                        throw boom;
                                    }
                                    return pay.id().equals("null") ? null : pay.id();
                                },
                                RETENTION)))
                .assertNext(deadLetterOf(throwing, "deduplicate:deduplicate", boom))
                .assertNext(
                        deadLetterOf(nullKey, "deduplicate:deduplicate", NullPointerException.class, "key function"))
                // the watermark did not move either
                .assertNext(element -> assertThat(stateOf(element)).isEmpty())
                .verifyComplete();
    }

    @Test
    void deadLettersOfEarlierStagesPassThroughUntouched() {
        DeadLetter<Pay> earlier =
                new DeadLetter<>(new Origin("test", 0, 0, 0), "map", "raw", new IllegalStateException("bad"));

        StepVerifier.create(
                        Flux.<StreamElement<Pay>>just(earlier, at(1, 1, "p1")).transform(byId()))
                .expectNext(earlier)
                .expectNextCount(1)
                .verifyComplete();
    }

    @Test
    void anErrorInTheKeyFunctionFailsTheRunRatherThanHangingIt() {
        StepVerifier.create(Flux.<StreamElement<Pay>>just(at(1, 0, "p1"))
                        .transform(Checkpointed.<Pay, String>deduplicate(
                                pay -> {
                                    throw new OutOfMemoryError("decoding");
                                },
                                RETENTION)))
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(StageFailedException.class)
                        .hasRootCauseInstanceOf(OutOfMemoryError.class))
                .verify(TIMEOUT);
    }

    @Test
    void upstreamErrorPassesThroughAndCancellationCancelsUpstream() {
        TestPublisher<StreamElement<Pay>> upstream = TestPublisher.create();
        IllegalStateException failure = new IllegalStateException("source failed");

        StepVerifier.create(upstream.flux().transform(byId()))
                .then(() -> upstream.next(at(1, 0, "p1")))
                .expectNextCount(1)
                .then(() -> upstream.error(failure))
                .expectErrorSatisfies(error -> assertThat(error).isSameAs(failure))
                .verify(TIMEOUT);

        TestPublisher<StreamElement<Pay>> cancelled = TestPublisher.create();
        StepVerifier.create(cancelled.flux().transform(byId()))
                .then(() -> cancelled.next(at(1, 0, "p1")))
                .expectNextCount(1)
                .thenCancel()
                .verify(TIMEOUT);
        cancelled.assertCancelled();
    }

    @Test
    void demandIsPassedOnOneForOne() {
        TestPublisher<StreamElement<Pay>> upstream = TestPublisher.create();

        StepVerifier.create(upstream.flux().transform(byId()), 0)
                .expectSubscription()
                .then(() -> upstream.assertMaxRequested(0))
                .thenRequest(2)
                .then(() -> upstream.assertMinRequested(2).assertMaxRequested(2))
                .then(() -> upstream.next(at(1, 0, "p1"), at(2, 1, "p1")))
                .expectNextCount(2) // the record and the duplicate's dead letter
                .then(() -> upstream.assertMaxRequested(0))
                .thenRequest(1)
                .then(() -> upstream.assertMinRequested(1).assertMaxRequested(1))
                .thenCancel()
                .verify(TIMEOUT);
    }

    @Test
    void invalidRetentionsAndNamesAreRefusedAtAssembly() {
        assertThatThrownBy(() -> Deduplicate.by(Pay::id, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1 ms");
        assertThatThrownBy(() -> Deduplicate.by(Pay::id, Duration.ofNanos(999_999)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Deduplicate.by(Pay::id, Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Deduplicate.by(Pay::id, RETENTION).named("a b"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Onceflow.pipeline("dup-names")
                        .from(TestSource.<Pay>create())
                        .deduplicate("ids", Pay::id, RETENTION)
                        .keyed("ids", Pay::id, id -> 0, (sum, pay) -> sum + pay.amount()))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("two stateful operators named 'ids'");
    }

    @Test
    void checkpointedFluxNumbersUnnamedOperatorsAmongTheOtherStatefulOnes() {
        StepVerifier.create(CheckpointedFlux.of(Flux.<StreamElement<Pay>>just(at(1, 0, "p1"), marker(1, 1)))
                        .keyed(Pay::id, id -> 0, (sum, pay) -> sum + pay.amount())
                        .deduplicate(sum -> sum, RETENTION)
                        .elements())
                .expectNextCount(1)
                .assertNext(element -> assertThat(((Marker<?>) element).stateChanges())
                        .extracting(StateChange::operator)
                        .containsOnly("keyed-0", "deduplicate-1"))
                .verifyComplete();
    }

    @Test
    void rememberedKeysSurviveAFailedCommitWithTheSameOutcomeAsARunWithoutFailure() {
        Run withoutFailure = run(false);
        Run withFailure = run(true);

        assertThat(withoutFailure.opens).isEqualTo(1);
        assertThat(withFailure.opens).isEqualTo(2);
        // p1 at 3 is a duplicate of checkpoint 1's p1; p2 at 6 of p2 at 5 in the same (replayed) checkpoint; p3 in
        // partition 1 is not one of partition 0's; p1 at 20 comes after p1 was forgotten (watermark 20, first at 1)
        assertThat(withoutFailure.passed).containsExactly("p1@0/1", "p1@0/21", "p2@0/5", "p3@1/2", "p4@0/20");
        assertThat(withoutFailure.deadLetteredOffsets).containsExactly(1L, 3L);
        assertThat(withFailure.passed).isEqualTo(withoutFailure.passed);
        assertThat(withFailure.deadLetteredOffsets).isEqualTo(withoutFailure.deadLetteredOffsets);
        assertThat(withFailure.state)
                .isEqualTo(withoutFailure.state)
                .containsOnly(
                        entry("events-0/watermark", "21"),
                        entry("events-0/k:p4", "20@4"),
                        entry("events-0/k:p1", "21@5"),
                        entry("events-1/watermark", "2"),
                        entry("events-1/k:p3", "2@0"));
    }

    /** What one run of a deduplicated stream committed. */
    private record Run(List<String> passed, List<Long> deadLetteredOffsets, Map<String, String> state, int opens) {}

    private static Run run(boolean failSecondCommit) {
        TestSource<Pay> events = TestSource.create("events", 2);
        InMemoryCommitPoint<Pay> sink = InMemoryCommitPoint.<Pay>create().withDeadLetters();

        StepVerifier.Step<CheckpointEvent> first = StepVerifier.withVirtualTime(() -> Onceflow.pipeline("dedup")
                        .checkpointEvery(Duration.ofSeconds(1))
                        .meterRegistry(new SimpleMeterRegistry())
                        .from(events)
                        .deduplicate("ids", Pay::id, RETENTION)
                        .to(sink)
                        .run())
                .then(() -> events.emitAt(0, 1, new Pay("p1", 1)).emitAt(1, 2, new Pay("p3", 1)))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> {
                    if (failSecondCommit) {
                        sink.failNextCommit();
                    }
                })
                .then(() -> events.emitAt(0, 3, new Pay("p1", 1))
                        .emitAt(0, 5, new Pay("p2", 1))
                        .emitAt(0, 6, new Pay("p2", 1)))
                .thenAwait(Duration.ofSeconds(1));
        if (failSecondCommit) {
            // the restarted run restores checkpoint 1's keys, then replays p1 (a duplicate), p2 and p2 again
            first = first.assertNext(event -> assertThat(event.failed()).isTrue())
                    .thenAwait(Duration.ofSeconds(5));
        }
        first.expectNext(CheckpointEvent.completed(2))
                .then(() -> events.emitAt(0, 20, new Pay("p4", 1)).emitAt(0, 21, new Pay("p1", 1)))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(3))
                .thenCancel()
                .verify(Duration.ofSeconds(10));

        List<String> passed = sink.committedRecords().stream()
                .map(record -> record.value().id() + "@" + record.origin().partition() + "/"
                        + record.origin().timestamp())
                .sorted() // in order per partition; the partitions' interleaving is the source's
                .toList();
        List<Long> dead = sink.deadLetters().stream()
                .map(letter -> letter.origin().offset())
                .sorted()
                .toList();
        return new Run(passed, dead, sink.committedState("ids"), events.opens());
    }
}
