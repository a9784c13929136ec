package io.onceflow.sinks.r2dbc;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The columns one record writes: column names with their values, as a sink's columns mapper returns them.
 *
 * <pre>{@code
 * .columns(b -> Row.of("account", b.account(), "balance_cents", b.cents(), "details", b.details()))
 * }</pre>
 *
 * <p>Each value is written as the text form of its column's type, which the database parses: a {@link Number} for
 * numeric columns, a {@link CharSequence} for text, a {@code java.time} value for dates and timestamps, a
 * {@code byte[]} for {@code bytea}, {@code null} for SQL {@code NULL}. For a {@code json} or {@code jsonb} column any
 * value is written by Jackson 3, except a {@link CharSequence}, which is taken as JSON text as is. A
 * {@code CharSequence} is accepted for every column type as that type's text form. Every row of a sink must name
 * the same columns, which must include the key columns; the order does not matter.
 *
 * <p>Immutable.
 *
 * @since 0.1
 */
public final class Row {

    private final String[] names;
    private final @Nullable Object[] values;

    private Row(String[] names, @Nullable Object[] values) {
        this.names = names;
        this.values = values;
    }

    /** A row of one column. */
    public static Row of(String column, @Nullable Object value) {
        return new Row(new String[] {column}, new Object[] {value});
    }

    /** A row of two columns. */
    public static Row of(String c1, @Nullable Object v1, String c2, @Nullable Object v2) {
        return new Row(new String[] {c1, c2}, new Object[] {v1, v2});
    }

    /** A row of three columns. */
    public static Row of(
            String c1, @Nullable Object v1, String c2, @Nullable Object v2, String c3, @Nullable Object v3) {
        return new Row(new String[] {c1, c2, c3}, new Object[] {v1, v2, v3});
    }

    /** A row of four columns. */
    public static Row of(
            String c1,
            @Nullable Object v1,
            String c2,
            @Nullable Object v2,
            String c3,
            @Nullable Object v3,
            String c4,
            @Nullable Object v4) {
        return new Row(new String[] {c1, c2, c3, c4}, new Object[] {v1, v2, v3, v4});
    }

    /** A row of five columns. */
    public static Row of(
            String c1,
            @Nullable Object v1,
            String c2,
            @Nullable Object v2,
            String c3,
            @Nullable Object v3,
            String c4,
            @Nullable Object v4,
            String c5,
            @Nullable Object v5) {
        return new Row(new String[] {c1, c2, c3, c4, c5}, new Object[] {v1, v2, v3, v4, v5});
    }

    /** A row of six columns. */
    public static Row of(
            String c1,
            @Nullable Object v1,
            String c2,
            @Nullable Object v2,
            String c3,
            @Nullable Object v3,
            String c4,
            @Nullable Object v4,
            String c5,
            @Nullable Object v5,
            String c6,
            @Nullable Object v6) {
        return new Row(new String[] {c1, c2, c3, c4, c5, c6}, new Object[] {v1, v2, v3, v4, v5, v6});
    }

    /**
     * A row of any number of columns.
     *
     * @param columns the column names
     * @param values their values, one per name
     * @throws IllegalArgumentException when the lengths differ
     */
    public static Row of(String[] columns, @Nullable Object[] values) {
        requireNonNull(columns, "columns");
        requireNonNull(values, "values");
        if (columns.length != values.length) {
            throw new IllegalArgumentException(
                    columns.length + " column names but " + values.length + " values: give one value per column");
        }
        return new Row(columns.clone(), values.clone());
    }

    /** The number of columns. */
    public int size() {
        return names.length;
    }

    /** The name of column {@code index}. */
    public String column(int index) {
        return names[index];
    }

    /** The value of column {@code index}, or {@code null}. */
    public @Nullable Object value(int index) {
        return values[index];
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Row row && Arrays.equals(names, row.names) && Arrays.equals(values, row.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(names) * 31 + Arrays.hashCode(values);
    }

    /** The column names only: values may be sensitive, and rows end up in log lines. */
    @Override
    public String toString() {
        return "Row" + Arrays.toString(names);
    }
}
