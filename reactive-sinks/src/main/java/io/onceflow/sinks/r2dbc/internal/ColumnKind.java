package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.core.internal.text.Utf8Text;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZonedDateTime;
import java.util.HexFormat;
import java.util.UUID;
import tools.jackson.databind.json.JsonMapper;

/**
 * How a Java value becomes the text form of a PostgreSQL column's type.
 *
 * <p>Values travel as text and are cast by the server, so each kind only has to produce text PostgreSQL's input
 * function reads. A {@link CharSequence} is always taken as the column type's text form (for a JSON column: JSON
 * text). Any other class a kind does not list is a mapping error, reported with what the column is.
 */
enum ColumnKind {
    /** {@code smallint, integer, bigint, numeric, real, double precision}: a {@link Number}. */
    NUMERIC("a Number"),
    /** {@code text, varchar, char}: a CharSequence, Character, enum constant or UUID. */
    STRING("a String, Character, enum constant or UUID"),
    /** {@code boolean}. */
    BOOLEAN("a Boolean"),
    /** {@code date, time, timestamp, timestamptz}: a {@code java.time} value. */
    DATETIME("a java.time value (Instant, OffsetDateTime, ZonedDateTime, LocalDate, LocalDateTime, LocalTime,"
            + " OffsetTime)"),
    /** {@code interval}: a {@link Duration}. */
    INTERVAL("a Duration"),
    /** {@code json, jsonb}: any value, written by Jackson; a String is JSON text as is. */
    JSON("any value (written as JSON by Jackson)"),
    /** {@code bytea}: a {@code byte[]} or {@link ByteBuffer}. */
    BYTES("a byte[] or ByteBuffer"),
    /** {@code uuid}. */
    UUID_KIND("a UUID"),
    /** An enum type: an enum constant, by name. */
    ENUM("an enum constant"),
    /** Anything else (arrays, ranges, geometry, ...): its text form as a String only. */
    OTHER("a String holding the type's text form");

    private static final HexFormat HEX = HexFormat.of();

    private final String accepts;

    ColumnKind(String accepts) {
        this.accepts = accepts;
    }

    static ColumnKind of(String baseTypeName, char category) {
        switch (baseTypeName) {
            case "json":
            case "jsonb":
                return JSON;
            case "bytea":
                return BYTES;
            case "uuid":
                return UUID_KIND;
            case "interval":
                return INTERVAL;
            default:
                break;
        }
        switch (category) {
            case 'N':
                return NUMERIC;
            case 'S':
                return STRING;
            case 'B':
                return BOOLEAN;
            case 'D':
                return DATETIME;
            case 'E':
                return ENUM;
            default:
                return OTHER;
        }
    }

    /** What Java values this kind takes, for error messages. */
    String accepts() {
        return accepts;
    }

    /**
     * {@code text}, which PostgreSQL can store: refused here, before the round trip, when it holds U+0000 (a text
     * value of PostgreSQL cannot), or an unpaired UTF-16 surrogate (the driver would send {@code ?} in its place, and
     * two keys could become one row), so that the record becomes a dead letter at once.
     *
     * @throws IllegalArgumentException for a text holding U+0000 or an unpaired surrogate
     */
    static String storable(String text) {
        if (text.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(
                    "a text value holds U+0000 at index " + text.indexOf('\0') + ", which PostgreSQL cannot store");
        }
        int surrogate = Utf8Text.unpairedSurrogate(text);
        if (surrogate >= 0) {
            throw new IllegalArgumentException("a text value holds " + Utf8Text.describe(text, surrogate)
                    + ", which UTF-8 cannot encode: it would be stored as '?'");
        }
        return text;
    }

    /**
     * The text form of {@code value}.
     *
     * @throws ClassCastException when the kind does not take the value's class (a mapping error)
     * @throws tools.jackson.core.JacksonException when Jackson cannot write a JSON column's value (a bad record)
     */
    String encode(Object value, JsonMapper json) {
        if (value instanceof CharSequence text) {
            return storable(text.toString());
        }
        switch (this) {
            case NUMERIC:
                if (value instanceof BigDecimal decimal) {
                    return decimal.toPlainString();
                }
                if (value instanceof Number) {
                    return value.toString();
                }
                break;
            case STRING:
                if (value instanceof Character || value instanceof UUID) {
                    return value.toString();
                }
                if (value instanceof Enum<?> constant) {
                    return constant.name();
                }
                break;
            case BOOLEAN:
                if (value instanceof Boolean) {
                    return value.toString();
                }
                break;
            case DATETIME:
                if (value instanceof ZonedDateTime zoned) {
                    return zoned.toOffsetDateTime().toString();
                }
                if (value instanceof Instant
                        || value instanceof OffsetDateTime
                        || value instanceof LocalDate
                        || value instanceof LocalDateTime
                        || value instanceof LocalTime
                        || value instanceof OffsetTime) {
                    return value.toString();
                }
                break;
            case INTERVAL:
                if (value instanceof Duration) {
                    return value.toString();
                }
                break;
            case JSON:
                String written = json.writeValueAsString(value);
                if (written.contains("\\u0000")) {
                    // jsonb refuses the escape, and json gives it back unequal: found here, not in a failed round trip
                    throw new IllegalArgumentException("a JSON value holds U+0000, which PostgreSQL cannot store");
                }
                return storable(written); // Jackson writes an unpaired surrogate into a String as it is
            case BYTES:
                if (value instanceof byte[] bytes) {
                    return "\\x" + HEX.formatHex(bytes);
                }
                if (value instanceof ByteBuffer buffer) {
                    byte[] bytes = new byte[buffer.remaining()];
                    buffer.duplicate().get(bytes);
                    return "\\x" + HEX.formatHex(bytes);
                }
                break;
            case UUID_KIND:
                if (value instanceof UUID) {
                    return value.toString();
                }
                break;
            case ENUM:
                if (value instanceof Enum<?> constant) {
                    return constant.name();
                }
                break;
            default:
                break;
        }
        throw new ClassCastException(value.getClass().getName());
    }
}
