package io.onceflow.sinks.r2dbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class UpsertSqlTest {

    @Test
    void commitPointUpsertHasOneArrayParameterPerColumn() {
        String sql = UpsertSql.upsert(
                "balances",
                List.of("account", "balance_cents", "details"),
                List.of("text", "bigint", "jsonb"),
                List.of("account"),
                null);
        assertThat(sql)
                .isEqualTo("INSERT INTO \"balances\" AS onceflow_target (\"account\", \"balance_cents\", \"details\")"
                        + " SELECT r.c1::text, r.c2::bigint, r.c3::jsonb"
                        + " FROM unnest($1::text[], $2::text[], $3::text[]) AS r(c1, c2, c3)"
                        + " ON CONFLICT (\"account\") DO UPDATE SET \"balance_cents\" = EXCLUDED.\"balance_cents\","
                        + " \"details\" = EXCLUDED.\"details\"");
    }

    @Test
    void idempotentUpsertIsGuardedByTheVersion() {
        String sql = UpsertSql.upsert(
                "ledger.balances",
                List.of("account", "cents"),
                List.of("character varying", "bigint"),
                List.of("account"),
                List.of("onceflow_partition", "onceflow_offset", "onceflow_ordinal"));
        assertThat(sql)
                .isEqualTo("INSERT INTO \"ledger\".\"balances\" AS onceflow_target (\"account\", \"cents\","
                        + " \"onceflow_partition\", \"onceflow_offset\", \"onceflow_ordinal\")"
                        + " SELECT r.c1::character varying, r.c2::bigint, r.c3, r.c4, r.c5"
                        + " FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::int4[])"
                        + " AS r(c1, c2, c3, c4, c5)"
                        + " ON CONFLICT (\"account\") DO UPDATE SET \"cents\" = EXCLUDED.\"cents\","
                        + " \"onceflow_partition\" = EXCLUDED.\"onceflow_partition\","
                        + " \"onceflow_offset\" = EXCLUDED.\"onceflow_offset\","
                        + " \"onceflow_ordinal\" = EXCLUDED.\"onceflow_ordinal\""
                        + " WHERE onceflow_target.\"onceflow_partition\" IS DISTINCT FROM"
                        + " EXCLUDED.\"onceflow_partition\" OR onceflow_target.\"onceflow_offset\" IS NULL"
                        + " OR (onceflow_target.\"onceflow_offset\", COALESCE(onceflow_target.\"onceflow_ordinal\", 0))"
                        + " < (EXCLUDED.\"onceflow_offset\", EXCLUDED.\"onceflow_ordinal\")");
    }

    @Test
    void aTableOfKeysOnlyDoesNothingOnConflict() {
        assertThat(UpsertSql.upsert("seen", List.of("a", "b"), List.of("text", "integer"), List.of("b", "a"), null))
                .endsWith("ON CONFLICT (\"b\", \"a\") DO NOTHING");
    }

    @Test
    void parametersStayFarBelowTheProtocolLimitWhateverTheRows() {
        List<String> columns = java.util.stream.IntStream.range(0, 1_600)
                .mapToObj(i -> "c" + i)
                .toList();
        String sql = UpsertSql.upsert(
                "wide", columns, columns.stream().map(c -> "text").toList(), List.of("c0"), List.of("p", "o", "n"));
        assertThat(sql).contains("$1602::int8[]").contains("$1603::int4[]").doesNotContain("$1604");
    }
}
