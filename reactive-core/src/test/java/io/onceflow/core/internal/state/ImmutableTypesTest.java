package io.onceflow.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Which state values may be encoded after the marker: only those that cannot change, decided per class. */
class ImmutableTypesTest {

    enum Side {
        BUY,
        SELL {
            @Override
            public String toString() {
                return "sell";
            }
        }
    }

    record Money(String currency, BigDecimal amount) {}

    record Account(String id, long cents, Money limit, Side side, Instant opened) {}

    sealed interface Order permits Limit, Market {}

    record Limit(long price) implements Order, Mixed {}

    record Market() implements Order {}

    record Book(Order last, int depth) {}

    record Node(long value, Node next) {}

    record WithList(String id, List<String> items) {}

    record WithArray(long[] values) {}

    record WithCounter(AtomicLong counter) {}

    record Generic<T>(T value) {}

    record WithOptional(Optional<String> name) {}

    sealed interface Mixed permits Limit, Bean {}

    static final class Bean implements Mixed {
        long count;
    }

    @Test
    void scalarsEnumsAndRecordsOfThemAreImmutable() {
        for (Class<?> type : List.of(
                Long.class,
                String.class,
                BigDecimal.class,
                Instant.class,
                Side.class,
                Side.SELL.getClass(),
                Money.class,
                Account.class,
                Limit.class,
                Book.class,
                Node.class)) {
            assertThat(ImmutableTypes.isImmutable(type)).as(type.getName()).isTrue();
        }
    }

    @Test
    void anythingThatMayBeChangedInPlaceIsNot() {
        for (Class<?> type : List.of(
                ArrayList.class,
                List.class,
                Bean.class,
                Mixed.class,
                WithList.class,
                WithArray.class,
                WithCounter.class,
                Generic.class,
                WithOptional.class,
                long[].class,
                Object.class,
                BigDecimal.class.getSuperclass())) {
            assertThat(ImmutableTypes.isImmutable(type)).as(type.getName()).isFalse();
        }
    }

    @Test
    void aSubclassOfAnImmutableScalarIsNot() {
        BigDecimal mutable = new BigDecimal("1") {};
        assertThat(ImmutableTypes.isImmutable(mutable.getClass())).isFalse();
    }
}
