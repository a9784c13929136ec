package io.onceflow.sinks.r2dbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.onceflow.core.PipelineConfigurationException;
import io.onceflow.sinks.r2dbc.OnceflowTables;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SchemaTest {

    /** A table exactly as {@code spec} describes it, as the catalog would report it. */
    private static TableInfo asCreated(String table, TableSpec spec) {
        return asCreated(table, spec, spec.fillfactor());
    }

    private static TableInfo asCreated(String table, TableSpec spec, int fillfactor) {
        Map<String, ColumnInfo> columns = new LinkedHashMap<>();
        for (TableSpec.Column column : spec.columns()) {
            columns.put(column.name(), Tables.column(column.name(), column.type(), column.type(), 'U'));
        }
        List<Set<String>> keys = spec.unique().isEmpty()
                ? List.of(new HashSet<>(spec.primaryKey()))
                : List.of(new HashSet<>(spec.primaryKey()), new HashSet<>(spec.unique()));
        return new TableInfo(table, true, columns, keys, fillfactor);
    }

    @Test
    void theDdlIsOneStatementPerTableAndCreatesOnlyWhatIsMissingThenStoresTheLogUncompressed() {
        List<String> ddl = OnceflowTables.defaults().ddl();
        assertThat(ddl).hasSize(5);
        assertThat(ddl.get(0))
                .startsWith("CREATE TABLE IF NOT EXISTS \"onceflow_offsets\" (")
                .contains("\"epoch\" bigint NOT NULL")
                .contains("\"next_offset\" bigint,")
                .endsWith("PRIMARY KEY (\"pipeline\", \"source\", \"source_partition\")\n)");
        assertThat(ddl.get(1))
                .contains("\"state_value\" bytea NOT NULL")
                .endsWith("\"state_key\")\n) WITH (fillfactor = 50)");
        assertThat(ddl.get(3))
                .startsWith("CREATE TABLE IF NOT EXISTS \"onceflow_state_log\" (")
                .contains("\"entries\" bytea NOT NULL")
                .endsWith(
                        "PRIMARY KEY (\"pipeline\", \"source\", \"source_partition\", \"epoch\", \"checkpoint_id\")\n)");
        assertThat(ddl.get(4))
                .isEqualTo("ALTER TABLE \"onceflow_state_log\" ALTER COLUMN \"entries\" SET STORAGE EXTERNAL");
        assertThat(OnceflowTables.deadLetterDdl("ledger.dead_letters").get(0))
                .startsWith("CREATE TABLE IF NOT EXISTS \"ledger\".\"dead_letters\" (")
                .contains("\"id\" bigserial NOT NULL")
                .contains("UNIQUE (\"pipeline\", \"source\", \"source_partition\", \"source_offset\", \"stage\","
                        + " \"ordinal\")");
    }

    @Test
    void aTableAsTheDdlCreatesItPassesTheCheck() {
        OnceflowTables tables = OnceflowTables.defaults();
        for (TableSpec spec : List.of(
                TableSpec.OFFSETS,
                TableSpec.STATE,
                TableSpec.CHECKPOINTS,
                TableSpec.STATE_LOG,
                TableSpec.DEAD_LETTERS)) {
            assertThatCode(() -> Schema.verify(asCreated("t", spec), spec, tables))
                    .doesNotThrowAnyException();
        }
    }

    @Test
    void aMissingOrMisshapenTableSaysWhatToRun() {
        OnceflowTables tables = OnceflowTables.defaults();
        assertThatThrownBy(() -> Schema.verify(TableInfo.missing("onceflow_state"), TableSpec.STATE, tables))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("the state table \"onceflow_state\" does not exist")
                .hasMessageContaining("CREATE TABLE IF NOT EXISTS \"onceflow_checkpoints\"");

        TableInfo created = asCreated("onceflow_offsets", TableSpec.OFFSETS);
        Map<String, ColumnInfo> columns = new LinkedHashMap<>(created.columns());
        columns.put("epoch", Tables.column("epoch", "integer", "int4", 'N'));
        columns.remove("owner");
        assertThatThrownBy(() -> Schema.verify(
                        new TableInfo("onceflow_offsets", true, columns, List.of(), TableSpec.FULL_PAGES),
                        TableSpec.OFFSETS,
                        tables))
                .isInstanceOf(PipelineConfigurationException.class)
                .hasMessageContaining("column epoch is integer, not bigint")
                .hasMessageContaining("column owner is missing")
                .hasMessageContaining("no unique key on (pipeline, source, source_partition)");
    }

    @Test
    void aStateTablePackedFullerThanItsDdlAsksIsAWarningWithWhatToRunNotAFailure() {
        OnceflowTables tables = OnceflowTables.defaults();
        TableInfo full = asCreated("ledger.onceflow_state", TableSpec.STATE, 100);
        assertThatCode(() -> Schema.verify(full, TableSpec.STATE, tables)).doesNotThrowAnyException();
        assertThat(Schema.fillfactorWarning(full, TableSpec.STATE))
                .hasValueSatisfying(warning -> assertThat(warning)
                        .startsWith("the state table \"ledger\".\"onceflow_state\" has fillfactor 100, not 50")
                        .contains("Run ALTER TABLE \"ledger\".\"onceflow_state\" SET (fillfactor = 50)")
                        .contains("then, in a quiet moment, VACUUM FULL \"ledger\".\"onceflow_state\"")
                        .contains("exclusive lock")
                        .contains("checkpoints update the row of every key they changed")
                        .contains("heap-only update"));
        assertThat(Schema.fillfactorWarning(asCreated("onceflow_state", TableSpec.STATE, 70), TableSpec.STATE))
                .hasValueSatisfying(warning -> assertThat(warning).contains("has fillfactor 70, not 50"));
    }

    @Test
    void aTableWithAsMuchRoomAsItsDdlAsksOrMoreOrOneMeantFullOrMissingOrPartitionedGetsNoWarning() {
        assertThat(Schema.fillfactorWarning(asCreated("onceflow_state", TableSpec.STATE), TableSpec.STATE))
                .isEmpty();
        assertThat(Schema.fillfactorWarning(asCreated("onceflow_state", TableSpec.STATE, 30), TableSpec.STATE))
                .isEmpty();
        assertThat(Schema.fillfactorWarning(TableInfo.missing("onceflow_state"), TableSpec.STATE))
                .isEmpty();
        // a partitioned state table: its parent has no fillfactor to read (its partitions have theirs)
        TableInfo partitioned = asCreated("onceflow_state", TableSpec.STATE, TableInfo.FILLFACTOR_NOT_READ);
        assertThat(Schema.fillfactorWarning(partitioned, TableSpec.STATE)).isEmpty();
        for (TableSpec full : List.of(TableSpec.OFFSETS, TableSpec.CHECKPOINTS, TableSpec.DEAD_LETTERS)) {
            assertThat(Schema.fillfactorWarning(asCreated("t", full, 100), full))
                    .isEmpty();
        }
    }

    @Test
    void theTargetNeedsAUniqueKeyOnExactlyTheKeyColumnsAndTheVersionColumns() {
        TableInfo balances = Tables.balances();
        assertThatCode(() -> Schema.verifyTarget(
                        balances,
                        List.of("account"),
                        List.of("onceflow_partition", "onceflow_offset", "onceflow_ordinal")))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> Schema.verifyTarget(balances, List.of("account", "name"), null))
                .hasMessageContaining("no unique key on exactly (\"account\", \"name\")");
        assertThatThrownBy(() -> Schema.verifyTarget(balances, List.of("id"), null))
                .hasMessageContaining("has no key column \"id\"");
        assertThatThrownBy(() -> Schema.verifyTarget(
                        balances, List.of("account"), List.of("v_partition", "v_offset", "v_ordinal")))
                .hasMessageContaining("ADD COLUMN \"v_partition\" text");
        assertThatThrownBy(() -> Schema.verifyTarget(
                        balances, List.of("account"), List.of("details", "onceflow_offset", "onceflow_ordinal")))
                .hasMessageContaining("must be text, but is jsonb");
        assertThatThrownBy(() -> Schema.verifyTarget(
                        balances, List.of("account"), List.of("onceflow_partition", "onceflow_offset", "v_ordinal")))
                .hasMessageContaining("ADD COLUMN \"v_ordinal\" integer NOT NULL DEFAULT 0");
        assertThatThrownBy(() -> Schema.verifyTarget(
                        balances, List.of("account"), List.of("details", "onceflow_offset", "onceflow_ordinal")))
                .hasMessageContaining("must be text, but is jsonb");
    }
}
