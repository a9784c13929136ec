package io.onceflow.sinks.r2dbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class ColumnKindTest {

    private static final JsonMapper JSON = JsonMapper.shared();

    enum Color {
        RED
    }

    record Details(String note, List<Integer> values) {}

    @Test
    void kindsFollowTheCatalogsTypeAndCategory() {
        assertThat(ColumnKind.of("int8", 'N')).isEqualTo(ColumnKind.NUMERIC);
        assertThat(ColumnKind.of("varchar", 'S')).isEqualTo(ColumnKind.STRING);
        assertThat(ColumnKind.of("jsonb", 'U')).isEqualTo(ColumnKind.JSON);
        assertThat(ColumnKind.of("json", 'U')).isEqualTo(ColumnKind.JSON);
        assertThat(ColumnKind.of("bytea", 'U')).isEqualTo(ColumnKind.BYTES);
        assertThat(ColumnKind.of("timestamptz", 'D')).isEqualTo(ColumnKind.DATETIME);
        assertThat(ColumnKind.of("interval", 'T')).isEqualTo(ColumnKind.INTERVAL);
        assertThat(ColumnKind.of("mood", 'E')).isEqualTo(ColumnKind.ENUM);
        assertThat(ColumnKind.of("_int4", 'A')).isEqualTo(ColumnKind.OTHER);
    }

    @Test
    void valuesBecomeTheTextPostgresqlReads() {
        assertThat(ColumnKind.NUMERIC.encode(42L, JSON)).isEqualTo("42");
        assertThat(ColumnKind.NUMERIC.encode(new BigDecimal("1E+3"), JSON)).isEqualTo("1000");
        assertThat(ColumnKind.STRING.encode(Color.RED, JSON)).isEqualTo("RED");
        assertThat(ColumnKind.BOOLEAN.encode(true, JSON)).isEqualTo("true");
        assertThat(ColumnKind.DATETIME.encode(Instant.parse("2026-01-02T03:04:05Z"), JSON))
                .isEqualTo("2026-01-02T03:04:05Z");
        assertThat(ColumnKind.DATETIME.encode(
                        ZonedDateTime.of(2026, 1, 2, 3, 4, 5, 0, ZoneId.of("Europe/Paris")), JSON))
                .isEqualTo("2026-01-02T03:04:05+01:00");
        assertThat(ColumnKind.DATETIME.encode(LocalDate.of(2026, 1, 2), JSON)).isEqualTo("2026-01-02");
        assertThat(ColumnKind.INTERVAL.encode(Duration.ofMinutes(90), JSON)).isEqualTo("PT1H30M");
        assertThat(ColumnKind.BYTES.encode(new byte[] {0, 10, (byte) 255}, JSON))
                .isEqualTo("\\x000aff");
        assertThat(ColumnKind.BYTES.encode(ByteBuffer.wrap(new byte[] {1}), JSON))
                .isEqualTo("\\x01");
        UUID id = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");
        assertThat(ColumnKind.UUID_KIND.encode(id, JSON)).isEqualTo(id.toString());
    }

    @Test
    void jsonColumnsTakeAnyValueThroughJacksonAndTextAsIs() {
        assertThat(ColumnKind.JSON.encode(new Details("n", List.of(1, 2)), JSON))
                .isEqualTo("{\"note\":\"n\",\"values\":[1,2]}");
        assertThat(ColumnKind.JSON.encode("{not json", JSON)).isEqualTo("{not json");
        assertThat(ColumnKind.JSON.encode(List.of("a"), JSON)).isEqualTo("[\"a\"]");
    }

    @Test
    void textIsAlwaysTakenAsTheTypesTextFormAndAWrongClassIsRefused() {
        assertThat(ColumnKind.NUMERIC.encode("12.5", JSON)).isEqualTo("12.5");
        assertThat(ColumnKind.OTHER.encode("{1,2}", JSON)).isEqualTo("{1,2}");
        assertThatThrownBy(() -> ColumnKind.NUMERIC.encode(true, JSON)).isInstanceOf(ClassCastException.class);
        assertThatThrownBy(() -> ColumnKind.STRING.encode(12, JSON)).isInstanceOf(ClassCastException.class);
        assertThatThrownBy(() -> ColumnKind.OTHER.encode(new int[] {1}, JSON)).isInstanceOf(ClassCastException.class);
        assertThatThrownBy(() -> ColumnKind.DATETIME.encode(new java.util.Date(), JSON))
                .isInstanceOf(ClassCastException.class);
    }

    /** Text the driver would send with {@code ?} for a lone surrogate: refused, so that its row is a dead letter. */
    @Test
    void textWithAnUnpairedSurrogateIsRefusedAndAPairIsTaken() {
        assertThatThrownBy(() -> ColumnKind.STRING.encode("acct-\uD800", JSON))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("an unpaired UTF-16 surrogate (\\ud800 at index 5)");
        assertThatThrownBy(() -> ColumnKind.STRING.encode("\uDC00acct", JSON))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(\\udc00 at index 0)");
        assertThatThrownBy(() -> ColumnKind.JSON.encode(new Details("\uD800", List.of()), JSON))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unpaired UTF-16 surrogate");
        assertThat(ColumnKind.STRING.encode("acct-\uD83D\uDE00", JSON)).isEqualTo("acct-\uD83D\uDE00");
    }
}
