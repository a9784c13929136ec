package io.onceflow.sinks.r2dbc.internal;

import org.jspecify.annotations.Nullable;

/**
 * Builds a PostgreSQL array literal ({@code {"a","b",NULL}}) from the text forms of its elements, bound as one
 * parameter and cast in SQL ({@code $1::text[]}): a chunk of any number of rows costs one parameter per column.
 *
 * <p>Every element is double-quoted, with {@code "} and {@code \} escaped by a backslash; a {@code null} element is
 * the unquoted {@code NULL}. Nothing else is special inside a quoted element.
 */
final class ArrayLiteral {

    private final StringBuilder text;
    private boolean empty = true;

    ArrayLiteral(int expectedChars) {
        text = new StringBuilder(Math.max(16, expectedChars)).append('{');
    }

    ArrayLiteral add(@Nullable String element) {
        if (!empty) {
            text.append(',');
        }
        empty = false;
        if (element == null) {
            text.append("NULL");
            return this;
        }
        text.append('"');
        int length = element.length();
        int start = 0;
        for (int i = 0; i < length; i++) {
            char c = element.charAt(i);
            if (c == '"' || c == '\\') {
                text.append(element, start, i).append('\\');
                start = i;
            }
        }
        text.append(element, start, length).append('"');
        return this;
    }

    ArrayLiteral add(long element) {
        if (!empty) {
            text.append(',');
        }
        empty = false;
        text.append(element);
        return this;
    }

    String build() {
        return text.append('}').toString();
    }

    /** The literal of {@code elements}. */
    static String of(@Nullable String... elements) {
        ArrayLiteral literal = new ArrayLiteral(elements.length * 8);
        for (String element : elements) {
            literal.add(element);
        }
        return literal.build();
    }
}
