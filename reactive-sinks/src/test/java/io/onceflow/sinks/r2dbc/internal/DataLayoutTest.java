package io.onceflow.sinks.r2dbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.onceflow.core.Origin;
import io.onceflow.core.PipelineConfigurationException;
import io.onceflow.sinks.r2dbc.Row;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class DataLayoutTest {

    private static final Origin ORIGIN = new Origin("payments", 1, 42, 0);
    private static final JsonMapper JSON = JsonMapper.shared();

    @Test
    void resolvesTheFirstRowsColumnsAgainstTheTable() {
        DataLayout layout = DataLayout.resolve(
                Tables.balances(), Row.of("account", "a", "balance_cents", 1L), List.of("account"), null);
        assertThat(layout.width()).isEqualTo(2);
        assertThat(layout.sql()).contains("SELECT r.c1::text, r.c2::bigint").contains("ON CONFLICT (\"account\")");
    }

    @Test
    void writesValuesAsTextInTheLayoutsOrderWhateverTheRowsOrder() {
        DataLayout layout = DataLayout.resolve(
                Tables.balances(),
                Row.of("account", "a", "balance_cents", 1L, "details", Map.of("k", 1)),
                List.of("account"),
                null);
        Row reordered = layout.inOrder(Row.of("details", Map.of("k", 2), "balance_cents", 7, "account", "b"));
        assertThat(layout.texts(reordered, JSON, ORIGIN)).containsExactly("b", "7", "{\"k\":2}");
        Row inOrder = Row.of("account", "c", "balance_cents", null, "details", "{}");
        assertThat(layout.inOrder(inOrder)).isSameAs(inOrder);
        assertThat(layout.texts(
                        Row.of("account", "c", "balance_cents", null, "details", "{\"raw\": true}"), JSON, ORIGIN))
                .containsExactly("c", null, "{\"raw\": true}");
    }

    @Test
    void aKeyIsItsColumnsTextsAndNullWhenOneIsNull() {
        DataLayout layout = DataLayout.resolve(
                Tables.balances(), Row.of("account", "a", "name", "n"), List.of("account", "name"), null);
        assertThat(layout.key(Row.of("account", "a", "name", "n"), JSON, ORIGIN))
                .isEqualTo("a\0n");
        assertThat(layout.key(Row.of("account", "a", "name", null), JSON, ORIGIN))
                .isNull();
        DataLayout single = DataLayout.resolve(Tables.balances(), Row.of("account", "a"), List.of("account"), null);
        assertThat(single.key(Row.of("account", "a"), JSON, ORIGIN)).isEqualTo("a");
    }

    @Test
    void aRowThatDoesNotFitIsAMappingErrorThatSaysWhatToChange() {
        assertThatThrownBy(() -> DataLayout.resolve(
                        Tables.balances(), Row.of("account", "a", "balnce", 1), List.of("account"), null))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("writes column 'balnce', which the table \"balances\" does not have")
                .hasMessageContaining("ALTER TABLE \"balances\" ADD COLUMN \"balnce\" <type>");
        assertThatThrownBy(() ->
                        DataLayout.resolve(Tables.balances(), Row.of("balance_cents", 1), List.of("account"), null))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("does not write key column 'account'");
        assertThatThrownBy(() -> DataLayout.resolve(
                        Tables.balances(),
                        Row.of("account", "a", "onceflow_offset", 1),
                        List.of("account"),
                        List.of("onceflow_partition", "onceflow_offset")))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("the sink writes the version itself");
        assertThatThrownBy(() -> DataLayout.resolve(
                        Tables.balances(), Row.of("account", "a", "account", "b"), List.of("account"), null))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("twice");

        DataLayout layout = DataLayout.resolve(
                Tables.balances(), Row.of("account", "a", "balance_cents", 1L), List.of("account"), null);
        assertThatThrownBy(() -> layout.texts(Row.of("account", "a", "balance_cents", true), JSON, ORIGIN))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessage("column 'balance_cents' of \"balances\" is bigint, but the columns mapper gave a"
                        + " java.lang.Boolean (record payments-1@42); map it to a Number, or change the column's"
                        + " type");
        assertThatThrownBy(() -> layout.inOrder(Row.of("account", "a", "name", "n")))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("every row of a sink must name the same columns");
        assertThatThrownBy(() -> layout.inOrder(Row.of("account", "a")))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("write NULL values instead of leaving columns out");
    }
}
