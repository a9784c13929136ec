package io.onceflow.sinks.r2dbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ArrayLiteralTest {

    @Test
    void quotesEveryElementAndEscapesQuotesAndBackslashes() {
        assertThat(ArrayLiteral.of("a", "b c", "")).isEqualTo("{\"a\",\"b c\",\"\"}");
        assertThat(ArrayLiteral.of("say \"hi\"", "C:\\dir", "{x,y}"))
                .isEqualTo("{\"say \\\"hi\\\"\",\"C:\\\\dir\",\"{x,y}\"}");
    }

    @Test
    void nullIsTheUnquotedNullAndTheWordNullIsText() {
        assertThat(ArrayLiteral.of("NULL", null)).isEqualTo("{\"NULL\",NULL}");
    }

    @Test
    void numbersNeedNoQuotes() {
        assertThat(new ArrayLiteral(4).add(1).add(-2).add(Long.MAX_VALUE).build())
                .isEqualTo("{1,-2,9223372036854775807}");
        assertThat(new ArrayLiteral(4).build()).isEqualTo("{}");
    }
}
