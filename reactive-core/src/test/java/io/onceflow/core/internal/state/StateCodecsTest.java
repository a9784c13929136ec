package io.onceflow.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.core.StateCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** State codecs round-trip, and the scalar fast path writes exactly what JSON would, so either can read it. */
class StateCodecsTest {

    record Balance(String account, long cents, List<String> tags) {}

    @Test
    void scalarsEncodeAsTheirJsonText() {
        for (Object value : List.of(42L, -7L, Long.MAX_VALUE, 13, Integer.MIN_VALUE, true, false)) {
            @SuppressWarnings("unchecked")
            Class<Object> type = (Class<Object>) value.getClass();
            StateCodec<Object> scalar = ScalarStateCodec.forType(type);
            StateCodec<Object> json = new JsonStateCodec<>(type);
            assertThat(scalar).as("scalar codec for %s", type).isNotNull();
            byte[] encoded = scalar.encode(value);
            assertThat(new String(encoded, StandardCharsets.UTF_8))
                    .isEqualTo(new String(json.encode(value), StandardCharsets.UTF_8));
            assertThat(scalar.decode(encoded)).isEqualTo(value);
            assertThat(json.decode(encoded)).isEqualTo(value);
            assertThat(scalar.decode(json.encode(value))).isEqualTo(value);
        }
    }

    @Test
    void otherTypesHaveNoScalarCodec() {
        assertThat(ScalarStateCodec.forType(String.class)).isNull();
        assertThat(ScalarStateCodec.forType(Double.class)).isNull();
        assertThat(ScalarStateCodec.forType(Balance.class)).isNull();
    }

    @Test
    void jsonRoundTripsRecords() {
        StateCodec<Balance> codec = new JsonStateCodec<>(Balance.class);
        Balance balance = new Balance("a", 15, List.of("x", "y"));
        assertThat(codec.decode(codec.encode(balance))).isEqualTo(balance);
    }

    @Test
    void keysEncodeReadablyAndDecodeBack() {
        assertThat(StateKeys.encode("acct-1")).isEqualTo("acct-1");
        assertThat(StateKeys.encode(42L)).isEqualTo("42");
        assertThat(StateKeys.decode("42", Long.class)).isEqualTo(42L);
        assertThat(StateKeys.decode("acct-1", String.class)).isEqualTo("acct-1");
        Balance key = new Balance("a", 1, List.of());
        assertThat(StateKeys.decode(StateKeys.encode(key), Balance.class)).isEqualTo(key);
    }
}
