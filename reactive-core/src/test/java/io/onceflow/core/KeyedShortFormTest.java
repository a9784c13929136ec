package io.onceflow.core;

import static io.onceflow.core.Ledger.payment;
import static io.onceflow.core.testkit.TestElements.data;
import static io.onceflow.core.testkit.TestElements.marker;
import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.core.Ledger.Balance;
import io.onceflow.core.Ledger.Payment;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * {@link Keyed#update(java.util.function.Function, java.util.function.Function, java.util.function.BiFunction,
 * java.util.function.BiFunction)}: a state kept per key and an output of another type computed from the new state,
 * written as a user would, without {@link Keyed#process} and its four type parameters.
 */
class KeyedShortFormTest {

    /** What a ledger emits per payment: the payment and the balance after it. */
    record Entry(String account, long amountCents, long balanceCents) {}

    @Test
    void emitsTheOutputOfTheNewStateAndKeepsTheState() {
        Flux<StreamElement<Payment>> input =
                Flux.just(data(payment("a", 10), 0), data(payment("b", 3), 1), data(payment("a", 5), 2), marker(1, 3));

        List<StreamElement<Entry>> out = input.transform(Keyed.update(
                                Payment::account,
                                Balance::empty,
                                Balance::apply,
                                (balance, payment) ->
                                        new Entry(payment.account(), payment.amountCents(), balance.cents()))
                        .named("ledger"))
                .collectList()
                .block();

        assertThat(out).hasSize(4);
        assertThat(out.subList(0, 3))
                .extracting(element -> ((Data<Entry>) element).value())
                .containsExactly(new Entry("a", 10, 10), new Entry("b", 3, 3), new Entry("a", 5, 15));
        Marker<?> marker = (Marker<?>) out.get(3);
        assertThat(marker.stateChanges())
                .extracting(change -> change.key() + "=" + new String(change.value(), StandardCharsets.UTF_8))
                .containsExactlyInAnyOrder(
                        "a={\"account\":\"a\",\"cents\":15,\"payments\":2}",
                        "b={\"account\":\"b\",\"cents\":3,\"payments\":1}");
    }

    @Test
    void aNullOutputEmitsNothingButTheStateStillChanges() {
        Flux<StreamElement<Payment>> input =
                Flux.just(data(payment("a", 10), 0), data(payment("a", 5), 1), marker(1, 2));

        List<StreamElement<String>> out = input.transform(Keyed.update(
                                Payment::account,
                                Balance::empty,
                                Balance::apply,
                                (Balance balance, Payment payment) ->
                                        balance.cents() >= 15 ? "limit reached by " + payment.amountCents() : null)
                        .named("limits"))
                .collectList()
                .block();

        assertThat(out).hasSize(2);
        assertThat(((Data<String>) out.get(0)).value()).isEqualTo("limit reached by 5");
        assertThat(((Marker<?>) out.get(1)).stateChanges())
                .extracting(change -> new String(change.value(), StandardCharsets.UTF_8))
                .containsExactly("{\"account\":\"a\",\"cents\":15,\"payments\":2}");
    }

    @Test
    void aFailingOutputFunctionDeadLettersTheRecordAndLeavesItsStateAlone() {
        Flux<StreamElement<Payment>> input =
                Flux.just(data(payment("a", 10), 0), data(payment("a", -1), 1), marker(1, 2));

        List<StreamElement<Long>> out = input.transform(Keyed.update(
                                Payment::account,
                                Balance::empty,
                                Balance::apply,
                                (Balance balance, Payment payment) -> {
                                    if (payment.amountCents() < 0) {
                                        throw new IllegalArgumentException("negative payment");
                                    }
                                    return balance.cents();
                                })
                        .named("checked"))
                .collectList()
                .block();

        assertThat(out).hasSize(3);
        assertThat(((Data<Long>) out.get(0)).value()).isEqualTo(10L);
        assertThat(out.get(1)).isInstanceOf(DeadLetter.class);
        assertThat(((DeadLetter<?>) out.get(1)).error()).hasMessageContaining("negative payment");
        assertThat(((Marker<?>) out.get(2)).stateChanges())
                .extracting(change -> new String(change.value(), StandardCharsets.UTF_8))
                .containsExactly("{\"account\":\"a\",\"cents\":10,\"payments\":1}");
    }
}
