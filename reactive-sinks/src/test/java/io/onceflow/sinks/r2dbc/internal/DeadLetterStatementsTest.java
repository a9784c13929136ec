package io.onceflow.sinks.r2dbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.onceflow.core.DeadLetter;
import io.onceflow.core.Origin;
import io.onceflow.core.internal.text.PayloadCut;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The rows a dead-letter table gets: every value bounded, whatever the dead letter held. */
class DeadLetterStatementsTest {

    private static final int MAX = DeadLetterStatements.MAX_PAYLOAD_BYTES;
    private final DeadLetterStatements statements = new DeadLetterStatements("dead_letters", JsonMapper.shared());

    private static DeadLetter<?> deadLetter(long offset, Object payload, String message) {
        return new DeadLetter<>(new Origin("t", 0, offset, 0), "map", payload, new IllegalArgumentException(message));
    }

    @Test
    void payloadsWithinTheBoundAreStoredWhole() {
        List<DeadLetterStatements.DeadLetterRow> rows = statements.rows(List.of(
                deadLetter(0, new byte[] {1, 2}, "bytes"),
                deadLetter(1, "text", "text"),
                deadLetter(2, Map.of("a", 1), "json"),
                deadLetter(3, null, "none"),
                deadLetter(4, new byte[MAX], "exactly the bound")));
        assertThat(rows)
                .extracting(DeadLetterStatements.DeadLetterRow::payloadLength)
                .containsOnlyNulls();
        assertThat(rows)
                .extracting(DeadLetterStatements.DeadLetterRow::payloadSha256)
                .containsOnlyNulls();
        assertThat(rows.get(0).payloadBase64()).isEqualTo("AQI=");
        assertThat(rows.get(1).payload()).isEqualTo("text");
        assertThat(rows.get(2).payload()).isEqualTo("{\"a\":1}");
        assertThat(rows.get(3).payload()).isNull();
        assertThat(Base64.getDecoder().decode(rows.get(4).payloadBase64())).hasSize(MAX);
    }

    @Test
    void largerPayloadsAreCutWithTheLengthAndDigestOfTheWhole() {
        byte[] bytes = new byte[MAX + 10];
        Arrays.fill(bytes, (byte) 'b');
        String text = "\u20ac".repeat(MAX / 3 + 5); // 3 bytes each: a cut at the bound falls inside one
        List<DeadLetterStatements.DeadLetterRow> rows =
                statements.rows(List.of(deadLetter(0, bytes, "bytes"), deadLetter(1, text, "text")));

        assertThat(Base64.getDecoder().decode(rows.get(0).payloadBase64())).hasSize(MAX);
        assertThat(rows.get(0).payloadLength()).isEqualTo(MAX + 10L);
        assertThat(rows.get(0).payloadSha256()).isEqualTo(PayloadCut.sha256(bytes));

        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        String stored = rows.get(1).payload();
        assertThat(text).startsWith(stored);
        assertThat(stored.getBytes(StandardCharsets.UTF_8).length)
                .isLessThanOrEqualTo(MAX)
                .isGreaterThan(MAX - 3);
        assertThat(rows.get(1).payloadLength()).isEqualTo((long) utf8.length);
        assertThat(rows.get(1).payloadSha256()).isEqualTo(PayloadCut.sha256(utf8));
    }

    @Test
    void messagesAndStacksAreCutAndNulIsReplaced() {
        DeadLetterStatements.DeadLetterRow row = statements
                .rows(List.of(deadLetter(0, "a\u0000b", "m".repeat(100_000))))
                .get(0);
        assertThat(row.errorMessage()).hasSize(DeadLetterStatements.MAX_TEXT_BYTES);
        assertThat(row.stackSummary().getBytes(StandardCharsets.UTF_8).length)
                .isLessThanOrEqualTo(DeadLetterStatements.MAX_TEXT_BYTES);
        assertThat(row.payload()).isEqualTo("a\uFFFDb");
        assertThat(row.chars()).isLessThan(3 * DeadLetterStatements.MAX_TEXT_BYTES);
    }

    @Test
    void deadLettersOfOneOriginAndStageAreRankedInOrder() {
        List<DeadLetterStatements.DeadLetterRow> rows = statements.rows(
                List.of(deadLetter(0, null, "first"), deadLetter(1, null, "other"), deadLetter(0, null, "second")));
        assertThat(rows).extracting(DeadLetterStatements.DeadLetterRow::ordinal).containsExactly(0, 0, 1);
    }
}
