package io.onceflow.sinks.r2dbc.internal;

/**
 * One column of a table, as the catalog describes it.
 *
 * @param name the column's name
 * @param type its declared type without modifiers, as {@code format_type} spells it ({@code character varying},
 *     {@code bigint}, a domain's name): what a value is cast to
 * @param fullType its type with modifiers ({@code character varying(10)}), for messages
 * @param baseTypeName the name of the underlying base type in {@code pg_type} ({@code varchar}, {@code int8},
 *     {@code jsonb}), domains resolved
 * @param category the base type's {@code pg_type.typcategory}: {@code N} numeric, {@code S} string, {@code B}
 *     boolean, {@code D} date/time, {@code T} interval, {@code E} enum, {@code A} array, {@code U} other
 * @param notNull whether the column is {@code NOT NULL}
 */
record ColumnInfo(String name, String type, String fullType, String baseTypeName, char category, boolean notNull) {

    /** The kind of value the column takes, which decides how a Java value is written as text. */
    ColumnKind kind() {
        return ColumnKind.of(baseTypeName, category);
    }
}
