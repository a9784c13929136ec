package io.onceflow.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Consumer;

/** Assertions on the dead letters the operator tests expect: origin, stage, payload and cause. */
final class DeadLetters {

    private DeadLetters() {}

    /** A dead letter of {@code record} at {@code stage}, failed with exactly {@code cause}. */
    static <T> Consumer<StreamElement<T>> deadLetterOf(Data<?> record, String stage, Throwable cause) {
        return element -> {
            DeadLetter<?> deadLetter = assertDeadLetter(element, record, stage);
            assertThat(deadLetter.error()).isSameAs(cause);
        };
    }

    /** A dead letter of {@code record} at {@code stage}, failed with a {@code causeType} whose message has text. */
    static <T> Consumer<StreamElement<T>> deadLetterOf(
            Data<?> record, String stage, Class<? extends Throwable> causeType, String messagePart) {
        return element -> {
            DeadLetter<?> deadLetter = assertDeadLetter(element, record, stage);
            assertThat(deadLetter.error()).isInstanceOf(causeType).hasMessageContaining(messagePart);
        };
    }

    /** The dead letters among an operator's output, in order. */
    @SuppressWarnings("unchecked")
    static List<DeadLetter<Object>> deadLettersIn(List<? extends StreamElement<?>> output) {
        return output.stream()
                .filter(DeadLetter.class::isInstance)
                .map(element -> (DeadLetter<Object>) element)
                .toList();
    }

    private static DeadLetter<?> assertDeadLetter(StreamElement<?> element, Data<?> record, String stage) {
        assertThat(element).isInstanceOf(DeadLetter.class);
        DeadLetter<?> deadLetter = (DeadLetter<?>) element;
        assertThat(deadLetter.origin()).isEqualTo(record.origin());
        assertThat(deadLetter.stage()).isEqualTo(stage);
        assertThat(deadLetter.payload()).isEqualTo(record.value());
        return deadLetter;
    }
}
