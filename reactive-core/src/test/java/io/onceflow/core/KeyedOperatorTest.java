package io.onceflow.core;

import static io.onceflow.core.DeadLetters.deadLetterOf;
import static io.onceflow.core.Ledger.balance;
import static io.onceflow.core.Ledger.payment;
import static io.onceflow.core.testkit.TestElements.data;
import static io.onceflow.core.testkit.TestElements.marker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.Ledger.Balance;
import io.onceflow.core.Ledger.Payment;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;
import reactor.util.concurrent.Queues;
import tools.jackson.core.JacksonException;

/**
 * Keyed: state per key and source partition, the entries changed since the previous marker attached to each marker,
 * removals as tombstones, failing functions dead-lettered without touching state, state restored after a restart.
 */
class KeyedOperatorTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static Function<Flux<StreamElement<Payment>>, Flux<StreamElement<Balance>>> balances() {
        return Checkpointed.keyed(Payment::account, Balance::empty, Balance::apply);
    }

    /** A processor of signed amounts that removes its key's entry when the total reaches zero. */
    private static Keyed<Integer, String, Integer, String> runningTotalRemovedAtZero() {
        return Keyed.process(value -> "k", key -> 0, (key, total, value, out) -> {
            int next = total + value;
            out.accept(key + "=" + next);
            return next == 0 ? null : next;
        });
    }

    /** The marker's state changes as {@code partition/key -> JSON text}, a removal as {@code null}. */
    private static Map<String, String> stateOf(StreamElement<?> element) {
        assertThat(element).isInstanceOf(Marker.class);
        Map<String, String> state = new HashMap<>();
        for (StateChange change : ((Marker<?>) element).stateChanges()) {
            String key = change.partition() + "/" + change.key();
            assertThat(state).as("one change per entry").doesNotContainKey(key);
            state.put(key, change.isTombstone() ? null : new String(change.value(), StandardCharsets.UTF_8));
        }
        return state;
    }

    private static String json(Balance balance) {
        return "{\"account\":\"" + balance.account() + "\",\"cents\":" + balance.cents() + ",\"payments\":"
                + balance.payments() + "}";
    }

    @Test
    void keepsRunningStatePerKeyAndPassesMarkersInOrder() {
        Flux<StreamElement<Payment>> input = Flux.just(
                data(payment("a", 10), 0),
                data(payment("b", 3), 1),
                data(payment("a", 5), 2),
                marker(1, 3),
                data(payment("a", 1), 3),
                marker(2, 4));

        StepVerifier.create(input.transform(balances()))
                .expectNext(data(balance("a", 10, 1), 0), data(balance("b", 3, 1), 1), data(balance("a", 15, 2), 2))
                .assertNext(element -> {
                    assertThat(((Marker<?>) element).checkpointId()).isEqualTo(1);
                    assertThat(((Marker<?>) element).positions())
                            .isEqualTo(marker(1, 3).positions());
                    assertThat(stateOf(element))
                            .containsOnly(
                                    entry("test-0/a", json(balance("a", 15, 2))),
                                    entry("test-0/b", json(balance("b", 3, 1))));
                })
                .expectNext(data(balance("a", 16, 3), 3))
                .assertNext(element ->
                        assertThat(stateOf(element)).containsOnly(entry("test-0/a", json(balance("a", 16, 3)))))
                .verifyComplete();
    }

    @Test
    void aMarkerCarriesOnlyTheEntriesChangedSinceThePreviousOne() {
        Flux<StreamElement<Payment>> input = Flux.just(
                data(payment("a", 1), 0),
                data(payment("b", 1), 1),
                marker(1, 2),
                data(payment("b", 1), 2),
                marker(2, 3),
                marker(3, 3));

        StepVerifier.create(input.transform(balances()))
                .expectNextCount(2)
                .assertNext(element -> assertThat(stateOf(element)).containsOnlyKeys("test-0/a", "test-0/b"))
                .expectNextCount(1)
                .assertNext(element -> assertThat(stateOf(element)).containsOnlyKeys("test-0/b"))
                .assertNext(element -> assertThat(element).isEqualTo(marker(3, 3)))
                .verifyComplete();
    }

    @Test
    void nonStringKeysAreEncodedAsJson() {
        record Account(String region, int id) {}

        StepVerifier.create(Flux.<StreamElement<Integer>>just(data(5, 0), marker(1, 1))
                        .transform(Checkpointed.<Integer, Account, Integer>keyed(
                                value -> new Account("eu", value), account -> 0, Integer::sum)))
                .expectNext(data(5, 0))
                .assertNext(element ->
                        assertThat(stateOf(element)).containsOnly(entry("test-0/{\"region\":\"eu\",\"id\":5}", "5")))
                .verifyComplete();

        StepVerifier.create(Flux.<StreamElement<Integer>>just(data(5, 0), marker(1, 1))
                        .transform(Checkpointed.<Integer, Integer, Integer>keyed(
                                value -> value * 2, key -> 0, Integer::sum)))
                .expectNext(data(5, 0))
                .assertNext(element -> assertThat(stateOf(element)).containsOnly(entry("test-0/10", "5")))
                .verifyComplete();
    }

    @Test
    void stateIsScopedToTheSourcePartition() {
        Flux<StreamElement<Payment>> input = Flux.just(
                data(payment("a", 10), 0, 0, 0),
                data(payment("a", 100), 1, 0, 0),
                data(payment("a", 5), 0, 1, 1),
                marker(1));

        StepVerifier.create(input.transform(balances()))
                .expectNext(
                        data(balance("a", 10, 1), 0, 0, 0),
                        data(balance("a", 100, 1), 1, 0, 0),
                        data(balance("a", 15, 2), 0, 1, 1))
                .assertNext(element -> assertThat(stateOf(element))
                        .containsOnly(
                                entry("test-0/a", json(balance("a", 15, 2))),
                                entry("test-1/a", json(balance("a", 100, 1)))))
                .verifyComplete();
    }

    @Test
    void aNamedOperatorNamesItsStateAndItsDeadLetters() {
        IllegalStateException boom = new IllegalStateException("boom");
        Data<Payment> poison = data(payment("x", 1), 1);

        StepVerifier.create(Flux.<StreamElement<Payment>>just(data(payment("a", 1), 0), poison, marker(1, 2))
                        .transform(
                                Keyed.<Payment, String, Balance>update(Payment::account, Balance::empty, (state, p) -> {
                                            if (p.account().equals("x")) {
                                                throw boom;
                                            }
                                            return state.apply(p);
                                        })
                                        .named("balances")))
                .expectNext(data(balance("a", 1, 1), 0))
                .assertNext(deadLetterOf(poison, "keyed:balances", boom))
                .assertNext(element -> assertThat(((Marker<?>) element).stateChanges())
                        .extracting(StateChange::operator)
                        .containsExactly("balances"))
                .verifyComplete();
    }

    @Test
    void aProcessorEmitsAnyNumberOfOutputsWithTheRecordsOrigin() {
        Origin origin = new Origin("test", 3, 8, 80);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(new Data<>(2, origin), data(0, 0), marker(1))
                        .transform(Keyed.<Integer, String, Integer, String>process(
                                value -> "k", key -> 0, (key, count, value, out) -> {
                                    for (int i = 0; i < value; i++) {
                                        out.accept(key + (count + i));
                                    }
                                    return count + value;
                                })))
                .expectNext(new Data<>("k0", origin), new Data<>("k1", origin))
                .assertNext(element ->
                        assertThat(stateOf(element)).containsOnly(entry("test-3/k", "2"), entry("test-0/k", "0")))
                .verifyComplete();
    }

    @Test
    void aRemovalIsATombstoneAndTheKeyStartsOverFromItsInitialState() {
        StepVerifier.create(Flux.<StreamElement<Integer>>just(
                                data(5, 0), marker(1, 1), data(-5, 1), marker(2, 2), data(2, 2), marker(3, 3))
                        .transform(runningTotalRemovedAtZero()))
                .expectNext(data("k=5", 0))
                .assertNext(element -> assertThat(stateOf(element)).containsOnly(entry("test-0/k", "5")))
                .expectNext(data("k=0", 1))
                .assertNext(element -> {
                    assertThat(stateOf(element)).containsOnly(entry("test-0/k", null));
                    assertThat(((Marker<?>) element).stateChanges())
                            .singleElement()
                            .satisfies(
                                    change -> assertThat(change.isTombstone()).isTrue());
                })
                .expectNext(data("k=2", 2))
                .assertNext(element -> assertThat(stateOf(element)).containsOnly(entry("test-0/k", "2")))
                .verifyComplete();
    }

    @Test
    void aKeyRemovedAndWrittenAgainWithinACheckpointCommitsItsNewState() {
        StepVerifier.create(Flux.<StreamElement<Integer>>just(data(5, 0), data(-5, 1), data(3, 2), marker(1, 3))
                        .transform(runningTotalRemovedAtZero()))
                .expectNext(data("k=5", 0), data("k=0", 1), data("k=3", 2))
                .assertNext(element -> assertThat(stateOf(element)).containsOnly(entry("test-0/k", "3")))
                .verifyComplete();
    }

    @Test
    void aFailingUpdateDeadLettersTheRecordAndLeavesStateUnchanged() {
        IllegalArgumentException boom = new IllegalArgumentException("negative");
        Data<Payment> poison = data(payment("a", -1), 1);

        StepVerifier.create(Flux.<StreamElement<Payment>>just(
                                data(payment("a", 10), 0),
                                marker(1, 1),
                                poison,
                                data(payment("a", 5), 2),
                                marker(2, 3),
                                data(payment("b", -1), 3),
                                marker(3, 4))
                        .transform(Checkpointed.<Payment, String, Balance>keyed(
                                Payment::account, Balance::empty, (state, p) -> {
                                    if (p.amountCents() < 0) {
                                        throw boom;
                                    }
                                    return state.apply(p);
                                })))
                .expectNext(data(balance("a", 10, 1), 0))
                .expectNextCount(1)
                .assertNext(deadLetterOf(poison, "keyed:keyed", boom))
                .expectNext(data(balance("a", 15, 2), 2))
                .assertNext(element ->
                        assertThat(stateOf(element)).containsOnly(entry("test-0/a", json(balance("a", 15, 2)))))
                .assertNext(deadLetterOf(data(payment("b", -1), 3), "keyed:keyed", boom))
                // the failed record of a new key created no entry
                .assertNext(element -> assertThat(stateOf(element)).isEmpty())
                .verifyComplete();
    }

    @Test
    void aFailingKeyFunctionDeadLettersTheRecord() {
        IllegalStateException boom = new IllegalStateException("no key");
        Data<Payment> poison = data(payment("?", 1), 1);

        StepVerifier.create(Flux.<StreamElement<Payment>>just(
                                data(payment("a", 1), 0), poison, data(payment("a", 1), 2), marker(1, 3))
                        .transform(Checkpointed.<Payment, String, Balance>keyed(
                                p -> {
                                    if (p.account().equals("?")) {
                                        throw boom;
                                    }
                                    return p.account();
                                },
                                Balance::empty,
                                Balance::apply)))
                .expectNext(data(balance("a", 1, 1), 0))
                .assertNext(deadLetterOf(poison, "keyed:keyed", boom))
                .expectNext(data(balance("a", 2, 2), 2))
                .assertNext(element -> assertThat(stateOf(element)).containsOnlyKeys("test-0/a"))
                .verifyComplete();
    }

    /** A key the commit point cannot store: its text is made from an accessor that fails. */
    record Unstorable(String id) {
        @Override
        public String id() {
            throw new IllegalStateException("this key has no stored form");
        }
    }

    @Test
    void aKeyThatCannotBeStoredDeadLettersItsRecordAndTheRestCommits() {
        Data<Payment> poison = data(payment("unstorable", 1), 1);

        StepVerifier.create(Flux.<StreamElement<Payment>>just(
                                data(payment("a", 1), 0), poison, data(payment("a", 1), 2), marker(1, 3))
                        .transform(Checkpointed.<Payment, Object, Balance>keyed(
                                p -> p.account().equals("unstorable") ? new Unstorable("u") : p.account(),
                                key -> Balance.empty(String.valueOf(key instanceof String s ? s : "u")),
                                Balance::apply)))
                .expectNext(data(balance("a", 1, 1), 0))
                // the key is made into its stored form when its entry is made: the record fails, not the checkpoint
                .assertNext(deadLetterOf(poison, "keyed:keyed", JacksonException.class, "this key has no stored form"))
                .expectNext(data(balance("a", 2, 2), 2))
                .assertNext(element -> assertThat(stateOf(element)).containsOnlyKeys("test-0/a"))
                .verifyComplete();
    }

    @Test
    void aFailingInitialStateFunctionDeadLettersTheRecordAndCreatesNoEntry() {
        IllegalStateException boom = new IllegalStateException("no initial state");
        Data<Payment> poison = data(payment("new", 1), 1);

        StepVerifier.create(Flux.<StreamElement<Payment>>just(data(payment("a", 1), 0), poison, marker(1, 2))
                        .transform(Checkpointed.<Payment, String, Balance>keyed(
                                Payment::account,
                                account -> {
                                    if (account.equals("new")) {
                                        throw boom;
                                    }
                                    return Balance.empty(account);
                                },
                                Balance::apply)))
                .expectNext(data(balance("a", 1, 1), 0))
                .assertNext(deadLetterOf(poison, "keyed:keyed", boom))
                .assertNext(element -> assertThat(stateOf(element)).containsOnlyKeys("test-0/a"))
                .verifyComplete();
    }

    @Test
    void nullsWhereAValueIsRequiredDeadLetterTheRecord() {
        Data<Payment> nullKey = data(payment("null-key", 1), 0);
        Data<Payment> nullInitial = data(payment("null-initial", 1), 1);
        Data<Payment> nullUpdate = data(payment("null-update", 1), 2);

        StepVerifier.create(Flux.<StreamElement<Payment>>just(nullKey, nullInitial, nullUpdate, marker(1, 3))
                        .transform(Checkpointed.<Payment, String, Balance>keyed(
                                p -> p.account().equals("null-key") ? null : p.account(),
                                account -> account.equals("null-initial") ? null : Balance.empty(account),
                                (state, p) -> p.account().equals("null-update") ? null : state.apply(p))))
                .assertNext(
                        deadLetterOf(nullKey, "keyed:keyed", NullPointerException.class, "key function returned null"))
                .assertNext(deadLetterOf(
                        nullInitial, "keyed:keyed", NullPointerException.class, "initial state function returned null"))
                .assertNext(deadLetterOf(
                        nullUpdate, "keyed:keyed", NullPointerException.class, "update function returned null"))
                .assertNext(element -> assertThat(stateOf(element)).isEmpty())
                .verifyComplete();
    }

    @Test
    void aProcessorFailingAfterOutputsDeadLettersTheRecordAlone() {
        IllegalStateException boom = new IllegalStateException("half done");
        Data<Integer> poison = data(7, 1);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(data(1, 0), poison, marker(1, 2))
                        .transform(Keyed.<Integer, String, Integer, Integer>process(
                                value -> "k", key -> 0, (key, total, value, out) -> {
                                    out.accept(value);
                                    if (value == 7) {
                                        throw boom;
                                    }
                                    return total + value;
                                })))
                .expectNext(data(1, 0))
                .assertNext(deadLetterOf(poison, "keyed:keyed", boom))
                .assertNext(element -> assertThat(stateOf(element)).containsOnly(entry("test-0/k", "1")))
                .verifyComplete();
    }

    @Test
    void aProcessorEmittingNullDeadLettersTheRecord() {
        Data<Integer> poison = data(1, 0);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(poison, marker(1, 1))
                        .transform(Keyed.<Integer, String, Integer, String>process(
                                value -> "k", key -> 0, (key, total, value, out) -> {
                                    out.accept(null);
                                    return total + value;
                                })))
                .assertNext(deadLetterOf(poison, "keyed:keyed", NullPointerException.class, "emitted null"))
                .assertNext(element -> assertThat(stateOf(element)).isEmpty())
                .verifyComplete();
    }

    @Test
    void aProcessorFailingAfterARemovalLeavesTheRemovalInPlace() {
        IllegalStateException boom = new IllegalStateException("boom");
        Data<Integer> poison = data(99, 2);

        StepVerifier.create(Flux.<StreamElement<Integer>>just(
                                data(5, 0), marker(1, 1), data(-5, 1), poison, marker(2, 3))
                        .transform(Keyed.<Integer, String, Integer, String>process(
                                value -> "k", key -> 0, (key, total, value, out) -> {
                                    if (value == 99) {
                                        throw boom;
                                    }
                                    int next = total + value;
                                    return next == 0 ? null : next;
                                })))
                .expectNextCount(1)
                .assertNext(deadLetterOf(poison, "keyed:keyed", boom))
                .assertNext(element -> assertThat(stateOf(element)).containsOnly(entry("test-0/k", null)))
                .verifyComplete();
    }

    @Test
    void aStateCodecEncodesTheEntries() {
        StateCodec<Integer> roman = new StateCodec<>() {
            @Override
            public byte[] encode(Integer state) {
                return "I".repeat(state).getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public Integer decode(byte[] bytes) {
                return bytes.length;
            }
        };

        StepVerifier.create(Flux.<StreamElement<Integer>>just(data(2, 0), data(1, 1), marker(1, 2))
                        .transform(Keyed.<Integer, String, Integer>update(value -> "k", key -> 0, Integer::sum)
                                .stateCodec(roman)))
                .expectNext(data(2, 0), data(3, 1))
                .assertNext(element -> assertThat(stateOf(element)).containsOnly(entry("test-0/k", "III")))
                .verifyComplete();
    }

    @Test
    void eachSubscriptionStartsFromItsOwnState() {
        Flux<StreamElement<Balance>> flux =
                Flux.<StreamElement<Payment>>just(data(payment("a", 10), 0)).transform(balances());

        StepVerifier.create(flux).expectNext(data(balance("a", 10, 1), 0)).verifyComplete();
        StepVerifier.create(flux).expectNext(data(balance("a", 10, 1), 0)).verifyComplete();
    }

    @Test
    void upstreamErrorPassesThrough() {
        TestPublisher<StreamElement<Payment>> upstream = TestPublisher.create();
        IllegalStateException failure = new IllegalStateException("source failed");

        StepVerifier.create(upstream.flux().transform(balances()))
                .then(() -> upstream.next(data(payment("a", 1), 0)))
                .expectNext(data(balance("a", 1, 1), 0))
                .then(() -> upstream.error(failure))
                .expectErrorSatisfies(error -> assertThat(error).isSameAs(failure))
                .verify(TIMEOUT);
    }

    @Test
    void cancellationCancelsUpstream() {
        TestPublisher<StreamElement<Payment>> upstream = TestPublisher.create();
        TestPublisher<StreamElement<Integer>> processed = TestPublisher.create();

        StepVerifier.create(upstream.flux().transform(balances()))
                .then(() -> upstream.next(data(payment("a", 1), 0)))
                .expectNextCount(1)
                .thenCancel()
                .verify(TIMEOUT);
        StepVerifier.create(processed.flux().transform(runningTotalRemovedAtZero()))
                .then(() -> processed.next(data(1, 0)))
                .expectNextCount(1)
                .thenCancel()
                .verify(TIMEOUT);

        upstream.assertCancelled();
        processed.assertCancelled();
    }

    @Test
    void updateRequestsExactlyWhatDownstreamRequests() {
        TestPublisher<StreamElement<Payment>> upstream = TestPublisher.create();

        StepVerifier.create(upstream.flux().transform(balances()), 0)
                .expectSubscription()
                .then(() -> upstream.assertMaxRequested(0))
                .thenRequest(2)
                .then(() -> upstream.assertMinRequested(2).assertMaxRequested(2))
                .then(() -> upstream.next(data(payment("a", 1), 0), marker(1, 1)))
                .expectNextCount(2)
                .then(() -> upstream.assertMaxRequested(0))
                .thenCancel()
                .verify(TIMEOUT);
    }

    @Test
    void processEmitsNoMoreThanRequestedAndPrefetchesABoundedAmount() {
        TestPublisher<StreamElement<Integer>> upstream = TestPublisher.create();
        Keyed<Integer, String, Integer, Integer> threeOutputsPerRecord =
                Keyed.process(value -> "k", key -> 0, (key, total, value, out) -> {
                    out.accept(value);
                    out.accept(value + 1);
                    out.accept(value + 2);
                    return total + value;
                });

        StepVerifier.create(upstream.flux().transform(threeOutputsPerRecord), 0)
                .expectSubscription()
                .then(() -> upstream.assertMaxRequested(Queues.SMALL_BUFFER_SIZE))
                .thenRequest(2)
                .then(() -> upstream.next(data(10, 0), marker(1, 1)))
                .expectNext(data(10, 0), data(11, 0))
                .thenRequest(2)
                .expectNext(data(12, 0))
                .assertNext(element -> assertThat(stateOf(element)).containsOnly(entry("test-0/k", "10")))
                .then(() -> upstream.assertMaxRequested(Queues.SMALL_BUFFER_SIZE))
                .thenCancel()
                .verify(TIMEOUT);
    }

    @Test
    void recordsAfterCompletionOfANonCompliantPublisherAreDropped() {
        TestPublisher<StreamElement<Payment>> upstream =
                TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);
        Data<Payment> late = data(payment("a", 5), 1);

        StepVerifier.create(upstream.flux().transform(balances()))
                .then(() -> upstream.next(data(payment("a", 1), 0)))
                .expectNext(data(balance("a", 1, 1), 0))
                .then(() -> upstream.complete().next(late))
                .expectComplete()
                .verifyThenAssertThat(TIMEOUT)
                .hasDroppedExactly(late);
    }

    @Test
    void nullElementFromANonCompliantPublisherFailsTheStreamAndCancelsIt() {
        TestPublisher<StreamElement<Payment>> upstream =
                TestPublisher.createNoncompliant(TestPublisher.Violation.ALLOW_NULL);

        StepVerifier.create(upstream.flux().transform(balances()))
                .then(() -> upstream.next(null))
                .expectError(NullPointerException.class)
                .verify(TIMEOUT);

        upstream.assertCancelled();
    }

    @Test
    void invalidArgumentsAreRefusedAtAssembly() {
        assertThatThrownBy(() -> Keyed.update(null, key -> 0, (s, v) -> s)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Keyed.update(v -> v, null, (s, v) -> s)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Keyed.update(v -> v, key -> 0, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Keyed.update(v -> v, key -> 0, (s, v) -> s).named("has space"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has space");
    }

    @Test
    void keyedStateSurvivesAFailedCommitAndARestart() {
        TestSource<Payment> source = TestSource.create("payments", 2);
        InMemoryCommitPoint<Balance> sink = InMemoryCommitPoint.create();

        StepVerifier.withVirtualTime(() -> Onceflow.pipeline("keyed-restore")
                        .checkpointEvery(Duration.ofSeconds(1))
                        .meterRegistry(new SimpleMeterRegistry())
                        .from(source)
                        .keyed(Keyed.update(Payment::account, Balance::empty, Balance::apply)
                                .named("balances"))
                        .to(sink)
                        .run())
                .then(() -> source.emitTo(0, payment("a", 10)).emitTo(1, payment("a", 100)))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> assertThat(sink.committedState("balances"))
                        .containsOnly(
                                entry("payments-0/a", json(balance("a", 10, 1))),
                                entry("payments-1/a", json(balance("a", 100, 1)))))
                .then(sink::failNextCommit)
                .then(() -> source.emitTo(0, payment("a", 5)))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> assertThat(event.failed()).isTrue())
                // the restarted run restores a=10 in partition 0 and replays the payment of 5 once
                .thenAwait(Duration.ofSeconds(5))
                .expectNext(CheckpointEvent.completed(2))
                .then(() -> source.emitTo(1, payment("a", 1)))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(3))
                .thenCancel()
                .verify(Duration.ofSeconds(10));

        assertThat(source.opens()).isEqualTo(2);
        assertThat(sink.committed())
                .containsExactly(balance("a", 10, 1), balance("a", 100, 1), balance("a", 15, 2), balance("a", 101, 2));
        assertThat(sink.committedState("balances"))
                .containsOnly(
                        entry("payments-0/a", json(balance("a", 15, 2))),
                        entry("payments-1/a", json(balance("a", 101, 2))));
    }

    /** A codec that reads what it wrote until {@code broken} is set: a state type changed between versions. */
    private static StateCodec<Balance> breakable(AtomicBoolean broken) {
        StateCodec<Balance> json = StateCodec.json(Balance.class);
        return new StateCodec<>() {
            @Override
            public byte[] encode(Balance state) {
                return json.encode(state);
            }

            @Override
            public Balance decode(byte[] bytes) {
                if (broken.get()) {
                    throw new IllegalStateException("unreadable state");
                }
                return json.decode(bytes);
            }
        };
    }

    @Test
    void committedStateThatNoLongerDecodesStopsThePipelineAndStaysCommitted() {
        TestSource<Payment> source = TestSource.create();
        InMemoryCommitPoint<Balance> sink =
                InMemoryCommitPoint.<Balance>create().withDeadLetters();
        AtomicBoolean broken = new AtomicBoolean();

        StepVerifier.withVirtualTime(() -> Onceflow.pipeline("keyed-decode")
                        .checkpointEvery(Duration.ofSeconds(1))
                        .meterRegistry(new SimpleMeterRegistry())
                        .from(source)
                        .keyed(Keyed.update(Payment::account, Balance::empty, Balance::apply)
                                .named("balances")
                                .stateCodec(breakable(broken)))
                        .to(sink)
                        .run())
                .then(() -> source.emit(payment("a", 10)))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> broken.set(true))
                .then(sink::failNextCommit)
                .then(() -> source.emit(payment("a", 5)))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> assertThat(event.failed()).isTrue())
                // the restarted run cannot decode a's committed state: no record is processed on top of a guess
                .thenAwait(Duration.ofSeconds(5))
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(StateCodecException.class)
                        .hasMessageContaining("keyed operator 'balances'")
                        .hasMessageContaining("key 'a'")
                        .hasMessageContaining("no longer decodes")
                        .hasMessageContaining("allowDroppingState(\"balances\")"))
                .verify(Duration.ofSeconds(10));

        assertThat(sink.deadLetters()).isEmpty();
        assertThat(sink.committed()).containsExactly(balance("a", 10, 1));
        assertThat(sink.committedState("balances")).containsOnlyKeys("test-0/a");
    }

    @Test
    void undecodableStateThatMayBeDroppedIsRemovedAndItsKeyStartsOver() {
        TestSource<Payment> source = TestSource.create();
        InMemoryCommitPoint<Balance> sink = InMemoryCommitPoint.create();
        AtomicBoolean broken = new AtomicBoolean();

        StepVerifier.withVirtualTime(() -> Onceflow.pipeline("keyed-drop")
                        .checkpointEvery(Duration.ofSeconds(1))
                        .meterRegistry(new SimpleMeterRegistry())
                        .allowDroppingState("balances")
                        .from(source)
                        .keyed(Keyed.update(Payment::account, Balance::empty, Balance::apply)
                                .named("balances")
                                .stateCodec(breakable(broken)))
                        .to(sink)
                        .run())
                .then(() -> source.emit(payment("a", 10), payment("b", 3)))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> broken.set(true))
                .then(sink::failNextCommit)
                .then(() -> source.emit(payment("a", 5)))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> assertThat(event.failed()).isTrue())
                .thenAwait(Duration.ofSeconds(5))
                .expectNext(CheckpointEvent.completed(2))
                .thenCancel()
                .verify(Duration.ofSeconds(10));

        // a's and b's old state was dropped: a starts over, b's entry is removed from the commit point
        assertThat(sink.committed()).containsExactly(balance("a", 10, 1), balance("b", 3, 1), balance("a", 5, 1));
        assertThat(sink.committedState("balances")).containsOnlyKeys("test-0/a");
    }

    @Test
    void aCommittedRemovalIsNotResurrectedByARestart() {
        TestSource<Integer> source = TestSource.create();
        InMemoryCommitPoint<String> sink = InMemoryCommitPoint.create();

        StepVerifier.withVirtualTime(() -> Onceflow.pipeline("keyed-removal")
                        .checkpointEvery(Duration.ofSeconds(1))
                        .meterRegistry(new SimpleMeterRegistry())
                        .from(source)
                        .keyed(runningTotalRemovedAtZero().named("totals"))
                        .to(sink)
                        .run())
                .then(() -> source.emit(5))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> assertThat(sink.committedState("totals")).containsOnly(entry("test-0/k", "5")))
                .then(() -> source.emit(-5))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(2))
                .then(() -> assertThat(sink.committedState("totals")).isEmpty())
                .then(sink::failNextCommit)
                .then(() -> source.emit(2))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(event -> assertThat(event.failed()).isTrue())
                .thenAwait(Duration.ofSeconds(5))
                .expectNext(CheckpointEvent.completed(3))
                .thenCancel()
                .verify(Duration.ofSeconds(10));

        assertThat(sink.committed()).containsExactly("k=5", "k=0", "k=2");
        assertThat(sink.committedState("totals")).containsOnly(entry("test-0/k", "2"));
    }

    @Test
    void checkpointedFluxKeyedNumbersUnnamedOperators() {
        StepVerifier.create(CheckpointedFlux.of(
                                Flux.<StreamElement<Payment>>just(data(payment("a", 1), 0), marker(1, 1)))
                        .keyed(Payment::account, Balance::empty, Balance::apply)
                        .keyed(Keyed.update(Balance::account, account -> 0L, (count, b) -> count + 1))
                        .elements())
                .expectNext(data(1L, 0))
                .assertNext(element -> assertThat(((Marker<?>) element).stateChanges())
                        .extracting(StateChange::operator)
                        .containsExactly("keyed-0", "keyed-1"))
                .verifyComplete();
    }

    @Test
    void operatorsOfOneChainKeepTheirStateApart() {
        StepVerifier.create(Flux.<StreamElement<Integer>>just(data(1, 0), marker(1, 1))
                        .transform(Keyed.<Integer, String, Integer>update(v -> "k", k -> 0, Integer::sum)
                                .named("first"))
                        .transform(Keyed.<Integer, String, Integer>update(v -> "k", k -> 100, Integer::sum)
                                .named("second")))
                .expectNext(data(101, 0))
                .assertNext(element -> assertThat(((Marker<?>) element).stateChanges())
                        .extracting(
                                change -> change.operator() + "=" + new String(change.value(), StandardCharsets.UTF_8))
                        .containsExactly("first=1", "second=101"))
                .verifyComplete();
    }
}
