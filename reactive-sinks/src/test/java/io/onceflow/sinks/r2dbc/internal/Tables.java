package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.core.Data;
import io.onceflow.core.Origin;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Catalog descriptions built by hand, for tests that need no server. */
final class Tables {

    private Tables() {}

    static ColumnInfo column(String name, String type, String baseTypeName, char category) {
        return new ColumnInfo(name, type, type, baseTypeName, category, false);
    }

    /** {@code balances(account text PK, balance_cents bigint, details jsonb, name varchar(10), p text, o bigint)}. */
    static TableInfo balances() {
        Map<String, ColumnInfo> columns = new LinkedHashMap<>();
        columns.put("account", column("account", "text", "text", 'S'));
        columns.put("balance_cents", column("balance_cents", "bigint", "int8", 'N'));
        columns.put("details", column("details", "jsonb", "jsonb", 'U'));
        columns.put(
                "name", new ColumnInfo("name", "character varying", "character varying(10)", "varchar", 'S', false));
        columns.put("onceflow_partition", column("onceflow_partition", "text", "text", 'S'));
        columns.put("onceflow_offset", column("onceflow_offset", "bigint", "int8", 'N'));
        columns.put("onceflow_ordinal", column("onceflow_ordinal", "integer", "int4", 'N'));
        return new TableInfo("balances", true, columns, List.of(Set.of("account")), TableSpec.FULL_PAGES);
    }

    static Data<String> data(String value, int partition, long offset) {
        return new Data<>(value, new Origin("payments", partition, offset, offset));
    }
}
