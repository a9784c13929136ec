package io.onceflow.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Text formats refuse text that UTF-8 cannot encode: {@code getBytes} would write {@code ?} for an unpaired surrogate,
 * and two keys of a pipeline would become one key on the topic. The sink dead-letters such a record.
 */
class FormatsTest {

    @Test
    void textWithAnUnpairedSurrogateIsRefusedByTheTextFormatsAndAPairIsWritten() {
        assertThatThrownBy(() -> Formats.UTF8.encode("acct-\uD800"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("an unpaired UTF-16 surrogate (\\ud800 at index 5)");
        assertThatThrownBy(() -> Formats.DEFAULT_KEY.encode("\uDC00"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(\\udc00 at index 0)");
        assertThatThrownBy(() -> Formats.DEFAULT_VALUE.encode("x\uD800y")).isInstanceOf(IllegalArgumentException.class);

        String pair = "acct-\uD83D\uDE00";
        assertThat(Formats.DEFAULT_KEY.encode(pair)).isEqualTo(pair.getBytes(StandardCharsets.UTF_8));
        assertThat(Formats.UTF8.decode(Formats.UTF8.encode(pair))).isEqualTo(pair);
    }
}
