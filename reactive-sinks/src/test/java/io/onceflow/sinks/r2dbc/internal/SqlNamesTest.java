package io.onceflow.sinks.r2dbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SqlNamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"balances", "Balances", "_t", "t1", "ledger.balances", "a_b.c_d"})
    void acceptsPlainAndQualifiedNames(String name) {
        assertThat(SqlNames.checkTable("table", name)).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "1balances",
                "balances; DROP TABLE x",
                "bal\"ances",
                "bal ances",
                "a.b.c",
                ".a",
                "a.",
                "bal'ances",
                "balances--",
                "ünïcode",
                "a234567890123456789012345678901234567890123456789012345678901234"
            })
    void refusesAnythingElse(String name) {
        assertThatThrownBy(() -> SqlNames.checkTable("table", name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + name + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a.b", "key\" = 1 --", "x y", ""})
    void columnsAreNeverQualified(String name) {
        assertThatThrownBy(() -> SqlNames.checkColumn("key column", name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("key column must be");
    }

    @ParameterizedTest
    @ValueSource(strings = {"key", "offset", "partition", "Order"})
    void quotingKeepsReservedWordsAndCaseUsable(String name) {
        assertThat(SqlNames.quoteColumn(name)).isEqualTo("\"" + name + "\"");
    }

    @org.junit.jupiter.api.Test
    void quotesEachPartOfAQualifiedTable() {
        assertThat(SqlNames.quoteTable("ledger.balances")).isEqualTo("\"ledger\".\"balances\"");
        assertThat(SqlNames.quoteTable("balances")).isEqualTo("\"balances\"");
    }
}
