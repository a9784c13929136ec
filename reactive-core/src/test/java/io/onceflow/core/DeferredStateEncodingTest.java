package io.onceflow.core;

import static io.onceflow.core.Ledger.payment;
import static io.onceflow.core.testkit.TestElements.data;
import static io.onceflow.core.testkit.TestElements.marker;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.Ledger.Balance;
import io.onceflow.core.Ledger.Payment;
import io.onceflow.core.internal.state.DeferredStateChanges;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.core.testkit.TestSource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * A keyed operator hands a value that cannot change to the commit point still unencoded, and encodes at the marker a
 * value that may change: what commits is the state as it was at the marker either way, and a value that cannot be
 * encoded fails its checkpoint, nothing of it committed.
 */
class DeferredStateEncodingTest {

    private static List<StreamElement<Balance>> balances(Flux<StreamElement<Payment>> input) {
        return input.transform(Checkpointed.keyed(Payment::account, Balance::empty, Balance::apply))
                .collectList()
                .block(Duration.ofSeconds(5));
    }

    private static String text(StateChange change) {
        return new String(change.value(), StandardCharsets.UTF_8);
    }

    @Test
    void aRecordOfNumbersAndStringsIsEncodedWhenTheCommitPointReadsItsChange() {
        List<StreamElement<Balance>> out = balances(Flux.just(
                data(payment("a", 10), 0),
                data(payment("b", 3), 1),
                marker(1, 2),
                data(payment("a", 5), 2),
                marker(2, 3)));

        Marker<?> first = (Marker<?>) out.get(2);
        assertThat(first.stateChanges()).isInstanceOf(DeferredStateChanges.class);
        assertThat(((DeferredStateChanges) first.stateChanges()).deferred()).isEqualTo(2);

        assertThat(first.stateChanges())
                .extracting(DeferredStateEncodingTest::text)
                .containsExactly(
                        "{\"account\":\"a\",\"cents\":10,\"payments\":1}",
                        "{\"account\":\"b\",\"cents\":3,\"payments\":1}");
        assertThat(((DeferredStateChanges) first.stateChanges()).deferred()).isZero();
        assertThat(((Marker<?>) out.get(4)).stateChanges())
                .extracting(DeferredStateEncodingTest::text)
                .containsExactly("{\"account\":\"a\",\"cents\":15,\"payments\":2}");
    }

    @Test
    void aStateChangedInPlaceAfterTheMarkerCommitsAsItWasAtTheMarker() {
        // a user function that appends to its state and returns the same list: the list changes after each marker
        Flux<StreamElement<String>> input = Flux.just(
                data("x", 0), marker(1, 1), data("y", 1), data("z", 2), marker(2, 3), data("w", 3), marker(3, 4));
        List<StreamElement<List<String>>> out = input.transform(Checkpointed.keyed(
                        (String value) -> "k", key -> new ArrayList<String>(), (List<String> list, String value) -> {
                            list.add(value);
                            return list;
                        }))
                .collectList()
                .block(Duration.ofSeconds(5));

        assertThat(out).filteredOn(StreamElement::isMarker).hasSize(3);
        assertThat(out.stream()
                        .filter(StreamElement::isMarker)
                        .map(marker -> text(((Marker<?>) marker).stateChanges().get(0))))
                .containsExactly(
                        "[\"java.util.ArrayList\",[\"x\"]]",
                        "[\"java.util.ArrayList\",[\"x\",\"y\",\"z\"]]",
                        "[\"java.util.ArrayList\",[\"x\",\"y\",\"z\",\"w\"]]");
    }

    /** A balance whose JSON cannot be written when it is negative: its accessor refuses. */
    record Guarded(String account, long cents) {
        static Guarded empty(String account) {
            return new Guarded(account, 0);
        }

        Guarded apply(Payment payment) {
            return new Guarded(account, cents + payment.amountCents());
        }

        @Override
        public long cents() {
            if (cents < 0) {
                throw new IllegalStateException("a negative balance cannot be written");
            }
            return cents;
        }
    }

    @Test
    void aDeferredValueThatCannotBeEncodedStopsThePipelineAndNothingOfItsCheckpointCommits() {
        TestSource<Payment> source = TestSource.create();
        InMemoryCommitPoint<Guarded> sink = InMemoryCommitPoint.create();

        StepVerifier.withVirtualTime(() -> Onceflow.pipeline("deferred-encode")
                        .checkpointEvery(Duration.ofSeconds(1))
                        .meterRegistry(new SimpleMeterRegistry())
                        .from(source)
                        .keyed("guarded", Payment::account, Guarded::empty, Guarded::apply)
                        .to(sink)
                        .run())
                .then(() -> source.emit(payment("a", 10), payment("b", 4)))
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(CheckpointEvent.completed(1))
                .then(() -> source.emit(payment("a", -25), payment("b", 1)))
                .thenAwait(Duration.ofSeconds(1))
                .thenConsumeWhile(event -> event.failed())
                // encoded by the commit point: its commit fails, not to be retried, with the codec's failure
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(CheckpointFailedException.class)
                        .cause()
                        .isInstanceOf(StateCodecException.class)
                        .hasMessageContaining("keyed operator 'guarded'")
                        .hasMessageContaining("key 'a'")
                        .hasMessageContaining("a negative balance cannot be written"))
                .verify(Duration.ofSeconds(10));

        assertThat(sink.committed()).extracting(Guarded::account).containsExactly("a", "b");
        assertThat(sink.committedState("guarded"))
                .containsOnlyKeys("test-0/a", "test-0/b")
                .containsEntry("test-0/a", "{\"account\":\"a\",\"cents\":10}");
    }
}
