package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.core.Origin;
import io.onceflow.core.PipelineConfigurationException;
import io.onceflow.sinks.r2dbc.Row;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * The columns a sink's mapper writes, resolved against the table once, from the first row: their order, how each
 * value becomes text, where the key is, and the upsert statement.
 *
 * <p>A row that does not fit (a column the table lacks, a value of a class the column's type does not take) is a
 * mapping error, the same for every record: it is reported as a {@link PipelineConfigurationException}, not as a
 * bad record.
 */
final class DataLayout {

    /** Joins the texts of a composite key: NUL cannot occur in PostgreSQL text, so the join is unambiguous. */
    private static final char KEY_SEPARATOR = '\0';

    private final String table;
    private final String[] columns;
    private final ColumnInfo[] infos;
    private final ColumnKind[] kinds;
    private final int[] keyIndexes;
    private final Map<String, Integer> positions = new HashMap<>();
    private final String sql;

    private DataLayout(
            TableInfo info,
            String[] columns,
            ColumnInfo[] infos,
            int[] keyIndexes,
            @Nullable List<String> versionColumns,
            List<String> keyColumns) {
        this.table = info.table();
        this.columns = columns;
        this.infos = infos;
        this.kinds = new ColumnKind[infos.length];
        List<String> castTypes = new ArrayList<>(infos.length);
        for (int i = 0; i < infos.length; i++) {
            kinds[i] = infos[i].kind();
            castTypes.add(infos[i].type());
            positions.put(columns[i], i);
        }
        this.keyIndexes = keyIndexes;
        this.sql = UpsertSql.upsert(table, List.of(columns), castTypes, keyColumns, versionColumns);
    }

    /**
     * Resolves the columns of {@code first} against the table.
     *
     * @param versionColumns the idempotent mode's version columns, which a row must not name; or {@code null}
     * @throws PipelineConfigurationException when the row does not fit the table
     */
    static DataLayout resolve(
            TableInfo info, Row first, List<String> keyColumns, @Nullable List<String> versionColumns) {
        String table = SqlNames.quoteTable(info.table());
        String[] columns = new String[first.size()];
        ColumnInfo[] infos = new ColumnInfo[first.size()];
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < first.size(); i++) {
            String column = first.column(i);
            if (seen.put(column, i) != null) {
                throw new PipelineConfigurationException(
                        "the columns mapper names column '" + column + "' twice: " + first);
            }
            ColumnInfo found = info.column(column);
            if (found == null) {
                throw new PipelineConfigurationException("the columns mapper writes column '" + column + "', which"
                        + " the table " + table + " does not have: add it (ALTER TABLE " + table + " ADD COLUMN "
                        + SqlNames.quoteColumn(column) + " <type>), or fix the mapper; the table has "
                        + info.columns().keySet());
            }
            if (versionColumns != null && versionColumns.contains(column)) {
                throw new PipelineConfigurationException("the columns mapper writes '" + column + "', a version"
                        + " column of this idempotent sink: the sink writes the version itself, from the record's"
                        + " origin; remove it from the mapper");
            }
            columns[i] = column;
            infos[i] = found;
        }
        int[] keyIndexes = new int[keyColumns.size()];
        for (int k = 0; k < keyColumns.size(); k++) {
            Integer index = seen.get(keyColumns.get(k));
            if (index == null) {
                throw new PipelineConfigurationException("the columns mapper does not write key column '"
                        + keyColumns.get(k) + "': every row must name the key columns " + keyColumns + "; it names "
                        + seen.keySet());
            }
            keyIndexes[k] = index;
        }
        return new DataLayout(info, columns, infos, keyIndexes, versionColumns, keyColumns);
    }

    /** The upsert statement. */
    String sql() {
        return sql;
    }

    /** The number of columns the rows carry, without the version columns. */
    int width() {
        return columns.length;
    }

    /**
     * {@code row} with its columns in this layout's order: the same row when they already are (the usual case,
     * checked by reference first), a reordered copy when they are the same columns in another order.
     *
     * @throws PipelineConfigurationException when the row names other columns
     */
    Row inOrder(Row row) {
        if (row.size() != columns.length) {
            throw differentColumns(row);
        }
        for (int i = 0; i < columns.length; i++) {
            String column = row.column(i);
            if (column != columns[i] && !column.equals(columns[i])) {
                return reordered(row);
            }
        }
        return row;
    }

    private Row reordered(Row row) {
        @Nullable Object[] values = new Object[columns.length];
        boolean[] seen = new boolean[columns.length];
        for (int i = 0; i < row.size(); i++) {
            Integer position = positions.get(row.column(i));
            if (position == null || seen[position]) {
                throw differentColumns(row);
            }
            seen[position] = true;
            values[position] = row.value(i);
        }
        return Row.of(columns, values);
    }

    /**
     * The key of a row in this layout's order: its key columns' text forms, joined; {@code null} when one of them is
     * {@code NULL}.
     *
     * @throws PipelineConfigurationException when a key value's class does not fit its column
     */
    @Nullable
    String key(Row row, JsonMapper json, Origin origin) {
        if (keyIndexes.length == 1) {
            return text(row, keyIndexes[0], json, origin);
        }
        return joined(k -> row.value(keyIndexes[k]), json, origin);
    }

    /**
     * The text forms of a row's values, in this layout's order (the row must be {@link #inOrder}).
     *
     * @throws PipelineConfigurationException when a value's class does not fit its column
     * @throws tools.jackson.core.JacksonException when a JSON column's value cannot be written
     */
    @Nullable
    String[] texts(Row row, JsonMapper json, Origin origin) {
        @Nullable String[] texts = new String[columns.length];
        for (int i = 0; i < columns.length; i++) {
            texts[i] = text(row, i, json, origin);
        }
        return texts;
    }

    /**
     * The key a sink's row key function gave, in the form {@link #key} gives a row's: the value of the one key
     * column, or a {@link List} of the key columns' values in {@code key(...)} order; {@code null} when a value is
     * {@code null}.
     *
     * @throws PipelineConfigurationException when the function's value does not have that form, or a value's class
     *     does not fit its column
     */
    @Nullable
    String keyOf(Object rowKey, JsonMapper json, Origin origin) {
        if (keyIndexes.length == 1) {
            return text(rowKey, keyIndexes[0], json, origin);
        }
        if (!(rowKey instanceof List<?> values) || values.size() != keyIndexes.length) {
            throw new PipelineConfigurationException("the sink's key is " + keyColumns() + ", but its lastWriteWins row"
                    + " key function gave a " + rowKey.getClass().getName() + " (record " + origin + "): give a List"
                    + " of " + keyIndexes.length + " values, in that order");
        }
        return joined(values::get, json, origin);
    }

    /** The texts of a composite key's values, {@code valueOfKey(k)} for key column k, joined. */
    private @Nullable String joined(IntFunction<@Nullable Object> valueOfKey, JsonMapper json, Origin origin) {
        StringBuilder key = new StringBuilder();
        for (int k = 0; k < keyIndexes.length; k++) {
            String part = text(valueOfKey.apply(k), keyIndexes[k], json, origin);
            if (part == null) {
                return null;
            }
            if (k > 0) {
                key.append(KEY_SEPARATOR);
            }
            key.append(part);
        }
        return key.toString();
    }

    private @Nullable String text(Row row, int position, JsonMapper json, Origin origin) {
        return text(row.value(position), position, json, origin);
    }

    private @Nullable String text(@Nullable Object value, int position, JsonMapper json, Origin origin) {
        if (value == null) {
            return null;
        }
        try {
            return kinds[position].encode(value, json);
        } catch (ClassCastException wrongClass) {
            ColumnInfo info = infos[position];
            throw new PipelineConfigurationException("column '" + info.name() + "' of " + SqlNames.quoteTable(table)
                    + " is " + info.fullType() + ", but the columns mapper gave a "
                    + value.getClass().getName()
                    + " (record " + origin + "); map it to " + kinds[position].accepts()
                    + ", or change the column's type");
        }
    }

    /** The key columns' names, for messages. */
    List<String> keyColumns() {
        List<String> names = new ArrayList<>(keyIndexes.length);
        for (int index : keyIndexes) {
            names.add(columns[index]);
        }
        return names;
    }

    private PipelineConfigurationException differentColumns(Row row) {
        return new PipelineConfigurationException("every row of a sink must name the same columns: the first named "
                + List.of(columns) + ", a later one " + row + "; write NULL values instead of leaving columns out");
    }
}
