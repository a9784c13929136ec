package io.onceflow.sinks.r2dbc.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;

/**
 * Writes the upsert of a chunk of rows: one statement, one parameter per column, whatever the number of rows.
 *
 * <pre>
 * INSERT INTO "balances" AS onceflow_target ("account", "cents", "p", "o", "n")
 * SELECT r.c1::text, r.c2::bigint, r.c3, r.c4, r.c5
 * FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::int4[]) AS r(c1, c2, c3, c4, c5)
 * ON CONFLICT ("account") DO UPDATE SET "cents" = EXCLUDED."cents", "p" = EXCLUDED."p", "o" = EXCLUDED."o",
 *    "n" = EXCLUDED."n"
 * WHERE onceflow_target."p" IS DISTINCT FROM EXCLUDED."p" OR onceflow_target."o" IS NULL
 *    OR (onceflow_target."o", COALESCE(onceflow_target."n", 0)) &lt; (EXCLUDED."o", EXCLUDED."n")
 * </pre>
 *
 * <p>Each column's values travel as one text array and are cast to the column's declared type without modifiers:
 * the insert's assignment then applies the modifiers, so an over-long {@code varchar} fails instead of being
 * truncated. The rows of one statement must have distinct keys ({@code ON CONFLICT} affects a row once per
 * statement). With version columns (the idempotent mode) the update happens only for a newer version: a later
 * offset of the same source partition, a later row of the same record (its ordinal), or another partition.
 */
final class UpsertSql {

    private UpsertSql() {}

    /**
     * The upsert.
     *
     * @param table the checked table name
     * @param columns the columns the rows carry, in parameter order
     * @param castTypes each column's type to cast to, from the catalog
     * @param keyColumns the conflict target
     * @param versionColumns the source partition (text), offset (bigint) and ordinal (integer) columns, appended after
     *     {@code columns}; or {@code null} for an unguarded upsert
     */
    static String upsert(
            String table,
            List<String> columns,
            List<String> castTypes,
            List<String> keyColumns,
            @Nullable List<String> versionColumns) {
        List<String> all = new ArrayList<>(columns);
        if (versionColumns != null) {
            all.addAll(versionColumns);
        }
        StringJoiner names = new StringJoiner(", ");
        StringJoiner select = new StringJoiner(", ");
        StringJoiner arrays = new StringJoiner(", ");
        StringJoiner aliases = new StringJoiner(", ");
        for (int i = 0; i < all.size(); i++) {
            String alias = "c" + (i + 1);
            names.add(SqlNames.quoteColumn(all.get(i)));
            aliases.add(alias);
            if (i < columns.size()) {
                select.add("r." + alias + "::" + castTypes.get(i));
                arrays.add("$" + (i + 1) + "::text[]");
            } else {
                select.add("r." + alias);
                int version = i - columns.size();
                arrays.add("$" + (i + 1) + (version == 0 ? "::text[]" : version == 1 ? "::int8[]" : "::int4[]"));
            }
        }
        StringJoiner keys = new StringJoiner(", ");
        keyColumns.forEach(key -> keys.add(SqlNames.quoteColumn(key)));
        StringJoiner updates = new StringJoiner(", ");
        for (String column : all) {
            if (!keyColumns.contains(column)) {
                String quoted = SqlNames.quoteColumn(column);
                updates.add(quoted + " = EXCLUDED." + quoted);
            }
        }
        StringBuilder sql = new StringBuilder()
                .append("INSERT INTO ")
                .append(SqlNames.quoteTable(table))
                .append(" AS onceflow_target (")
                .append(names)
                .append(") SELECT ")
                .append(select)
                .append(" FROM unnest(")
                .append(arrays)
                .append(") AS r(")
                .append(aliases)
                .append(") ON CONFLICT (")
                .append(keys)
                .append(") ");
        if (updates.length() == 0) {
            return sql.append("DO NOTHING").toString();
        }
        sql.append("DO UPDATE SET ").append(updates);
        if (versionColumns != null) {
            String partition = SqlNames.quoteColumn(versionColumns.get(0));
            String offset = SqlNames.quoteColumn(versionColumns.get(1));
            String ordinal = SqlNames.quoteColumn(versionColumns.get(2));
            sql.append(" WHERE onceflow_target.")
                    .append(partition)
                    .append(" IS DISTINCT FROM EXCLUDED.")
                    .append(partition)
                    .append(" OR onceflow_target.")
                    .append(offset)
                    .append(" IS NULL OR (onceflow_target.")
                    .append(offset)
                    .append(", COALESCE(onceflow_target.")
                    .append(ordinal)
                    .append(", 0)) < (EXCLUDED.")
                    .append(offset)
                    .append(", EXCLUDED.")
                    .append(ordinal)
                    .append(")");
        }
        return sql.toString();
    }
}
