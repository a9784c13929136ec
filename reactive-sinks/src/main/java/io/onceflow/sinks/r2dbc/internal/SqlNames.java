package io.onceflow.sinks.r2dbc.internal;

import static java.util.Objects.requireNonNull;

import java.util.regex.Pattern;

/**
 * Table and column names: checked against a strict pattern, then always double-quoted, so that no SQL can enter
 * through a name and reserved words ({@code key}, {@code offset}) work as column names.
 *
 * <p>A name is 1 to 63 letters, digits or underscores, not starting with a digit; a table may be qualified by a
 * schema ({@code ledger.balances}). Quoting keeps the case as written: {@code Balances} and {@code balances} are two
 * tables, as in PostgreSQL's own quoted identifiers.
 */
public final class SqlNames {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    private SqlNames() {}

    /**
     * Checks a column name.
     *
     * @param what what the name is, for the message ({@code "key column"})
     * @return the name
     * @throws IllegalArgumentException when it is not a plain identifier
     */
    public static String checkColumn(String what, String name) {
        requireNonNull(name, what);
        if (!IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " must be 1 to 63 letters, digits or '_', not starting with a"
                    + " digit, was '" + name + "'");
        }
        return name;
    }

    /**
     * Checks a table name, optionally qualified by a schema.
     *
     * @return the name
     * @throws IllegalArgumentException when it is not {@code identifier} or {@code identifier.identifier}
     */
    public static String checkTable(String what, String name) {
        requireNonNull(name, what);
        int dot = name.indexOf('.');
        boolean valid = dot < 0
                ? IDENTIFIER.matcher(name).matches()
                : IDENTIFIER.matcher(name.substring(0, dot)).matches()
                        && IDENTIFIER.matcher(name.substring(dot + 1)).matches();
        if (!valid) {
            throw new IllegalArgumentException(what + " must be a table name, optionally qualified by a schema"
                    + " ('balances' or 'ledger.balances'), each part 1 to 63 letters, digits or '_', not starting"
                    + " with a digit; was '" + name + "'");
        }
        return name;
    }

    /** A checked column name, double-quoted. */
    public static String quoteColumn(String column) {
        return '"' + checkColumn("column", column) + '"';
    }

    /** A checked table name, each part double-quoted: {@code "ledger"."balances"}. */
    public static String quoteTable(String table) {
        checkTable("table", table);
        int dot = table.indexOf('.');
        return dot < 0 ? '"' + table + '"' : '"' + table.substring(0, dot) + "\".\"" + table.substring(dot + 1) + '"';
    }
}
