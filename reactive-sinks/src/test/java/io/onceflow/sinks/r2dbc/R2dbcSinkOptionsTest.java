package io.onceflow.sinks.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.onceflow.core.CommitPoint;
import io.onceflow.core.IdempotentSink;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class R2dbcSinkOptionsTest {

    record Balance(String account, long cents) {
        Row row() {
            return Row.of("account", account, "balance_cents", cents);
        }
    }

    private static R2dbcSinkOptions.Builder<Balance> builder() {
        return R2dbcSinkOptions.<Balance>builder()
                .connectionFactory(new NoConnections())
                .table("balances")
                .key("account")
                .columns(b -> Row.of("account", b.account(), "balance_cents", b.cents()));
    }

    @Test
    void everyDefaultIsTheDocumentedOne() {
        R2dbcSinkOptions<Balance> options = builder().commitPoint().build();
        assertThat(options.name()).isEqualTo("balances");
        assertThat(options.mode()).isEqualTo(R2dbcSinkMode.COMMIT_POINT);
        assertThat(options.deadLetterTable()).isNull();
        assertThat(options.lastWriteWins()).isFalse();
        assertThat(options.rowKey()).isNull();
        assertThat(options.chunkSize()).isEqualTo(5_000);
        assertThat(options.maxBufferedRecords()).isEqualTo(100_000);
        assertThat(options.versionColumns())
                .containsExactly("onceflow_partition", "onceflow_offset", "onceflow_ordinal");
        assertThat(options.tables()).isEqualTo(OnceflowTables.defaults());
        assertThat(options.jsonMapper()).isSameAs(JsonMapper.shared());
    }

    @Test
    void theModeChoosesTheImplementationAndIsRequired() {
        assertThat(R2dbcUpsertSink.create(builder().commitPoint().build()))
                .isInstanceOf(CommitPoint.class)
                .isNotInstanceOf(IdempotentSink.class);
        R2dbcSinkOptions<Balance> idempotent = builder().idempotent().build();
        assertThat(R2dbcUpsertSink.create(idempotent))
                .isInstanceOf(IdempotentSink.class)
                .isNotInstanceOf(CommitPoint.class);
        R2dbcSinkOptions<Balance> commitPoint = builder().commitPoint().build();
        assertThat(commitPoint.withMode(R2dbcSinkMode.IDEMPOTENT))
                .isEqualTo(commitPoint.toBuilder().idempotent().build())
                .isNotEqualTo(commitPoint);
        assertThatThrownBy(() -> builder().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("call commitPoint()")
                .hasMessageContaining("or idempotent()");
    }

    @Test
    void requiredSettingsAreNamedWhenMissing() {
        assertThatThrownBy(() -> R2dbcSinkOptions.<Balance>builder()
                        .table("t")
                        .key("k")
                        .columns(b -> Row.of("k", 1))
                        .commitPoint()
                        .build())
                .hasMessageContaining("connectionFactory is required");
        assertThatThrownBy(() -> builder().columns(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> R2dbcSinkOptions.<Balance>builder()
                        .connectionFactory(new NoConnections())
                        .table("t")
                        .columns(b -> Row.of("k", 1))
                        .commitPoint()
                        .build())
                .hasMessageContaining("has no key");
    }

    @Test
    void settingsAreCheckedWithWhatToChange() {
        assertThatThrownBy(() -> builder().chunkSize(0).commitPoint().build())
                .hasMessageContaining("chunkSize must be between 1 and 100000, was 0");
        assertThatThrownBy(() -> builder().chunkSize(100_001).commitPoint().build())
                .hasMessageContaining("chunkSize");
        assertThatThrownBy(() -> builder().maxBufferedRecords(0).commitPoint().build())
                .hasMessageContaining("maxBufferedRecords must be >= 1");
        assertThatThrownBy(
                        () -> builder().key("account", "account").commitPoint().build())
                .hasMessageContaining("key columns must be distinct");
        assertThatThrownBy(() ->
                        builder().deadLetterTable("balances").commitPoint().build())
                .hasMessageContaining("must not be the sink's table");
        assertThatThrownBy(() ->
                        builder().deadLetterTable("dead letters").commitPoint().build())
                .hasMessageContaining("dead-letter table must be a table name");
        assertThatThrownBy(() -> builder().versionColumns("v", "v").idempotent().build())
                .hasMessageContaining("must differ");
        assertThatThrownBy(() ->
                        builder().versionColumns("account", "v").idempotent().build())
                .hasMessageContaining("must not be a key column");
        assertThatThrownBy(() -> builder().name("my sink").commitPoint().build())
                .hasMessageContaining("sink name must be");
        assertThatThrownBy(() -> new OnceflowTables("t", "t", "c")).hasMessageContaining("four tables");
        assertThatThrownBy(() -> new OnceflowTables("o", "s", "c", "c")).hasMessageContaining("four tables");
        assertThat(new OnceflowTables("o", "ledger.s", "c").stateLog()).isEqualTo("ledger.s_log");
    }

    @Test
    void aBuilderRoundTripsAndToStringHoldsNoSecret() {
        R2dbcSinkOptions<Balance> options = builder()
                .name("ledger-balances")
                .key("account", "currency")
                .deadLetterTable("ledger.dead_letters")
                .lastWriteWins()
                .chunkSize(500)
                .maxBufferedRecords(10)
                .tables(OnceflowTables.inSchema("ledger"))
                .commitPoint()
                .build();
        assertThat(options.toBuilder().build()).isEqualTo(options);
        assertThat(options.keyColumns()).isEqualTo(List.of("account", "currency"));
        assertThat(options.tables().offsets()).isEqualTo("ledger.onceflow_offsets");
        assertThat(options.toString()).contains("ledger-balances").doesNotContain("hunter2");
    }

    @Test
    void theCheckpointStoresOptionsHaveTheirDefaults() {
        PostgresCheckpointStoreOptions options = PostgresCheckpointStoreOptions.builder()
                .connectionFactory(new NoConnections())
                .build();
        assertThat(options.name()).isEqualTo("postgres-checkpoint-store");
        assertThat(options.tables()).isEqualTo(OnceflowTables.defaults());
        assertThat(options.deadLetterTable()).isNull();
        assertThat(options.chunkSize()).isEqualTo(5_000);
        assertThat(options.toString()).doesNotContain("hunter2");
        assertThat(PostgresCheckpointStore.create(options).name()).isEqualTo("postgres-checkpoint-store");
        assertThatThrownBy(() -> PostgresCheckpointStoreOptions.builder().build())
                .hasMessageContaining("connectionFactory is required");
    }

    @Test
    void rowsCompareByNamesAndValuesAndShowNoValues() {
        assertThat(Row.of("a", 1, "b", null)).isEqualTo(Row.of(new String[] {"a", "b"}, new Object[] {1, null}));
        assertThat(Row.of("card", "4111-1111").toString()).isEqualTo("Row[card]");
        assertThatThrownBy(() -> Row.of(new String[] {"a"}, new Object[] {1, 2}))
                .hasMessageContaining("one value per column");
    }

    @Test
    void rowsAreStreamedByDefaultUnlessCoalescedAndTheOpenTransactionIsBounded() {
        R2dbcSinkOptions<Balance> everyRow = builder().commitPoint().build();
        assertThat(everyRow.streamRows()).isTrue();
        assertThat(everyRow.openTransactionTimeout()).isEqualTo(R2dbcSinkOptions.DEFAULT_OPEN_TRANSACTION_TIMEOUT);
        assertThat(builder().commitPoint().lastWriteWins().build().streamRows()).isFalse();
        assertThat(builder()
                        .commitPoint()
                        .lastWriteWins()
                        .streamRows(true)
                        .build()
                        .streamRows())
                .isTrue();
        assertThat(builder().commitPoint().streamRows(false).build().toBuilder()
                        .build()
                        .streamRows())
                .isFalse();
        assertThatThrownBy(() -> builder()
                        .commitPoint()
                        .openTransactionTimeout(java.time.Duration.ZERO)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("openTransactionTimeout");
    }

    @Test
    void aRowKeyFunctionCoalescesItIsKeptByToBuilderAndNeedsLastWriteWins() {
        java.util.function.Function<Balance, String> account = Balance::account;
        R2dbcSinkOptions<Balance> byKey =
                builder().commitPoint().lastWriteWins(account).build();
        assertThat(byKey.lastWriteWins()).isTrue();
        assertThat(byKey.rowKey()).isSameAs(account);
        assertThat(byKey.streamRows()).isFalse(); // as any coalescing sink
        assertThat(byKey.toBuilder().build()).isEqualTo(byKey);
        assertThat(byKey.withMode(R2dbcSinkMode.IDEMPOTENT).rowKey()).isSameAs(account);
        assertThat(byKey.toString()).contains("lastWriteWins=true (by a row key function)");
        // turning coalescing off forgets the function: it means nothing without it
        R2dbcSinkOptions<Balance> off = byKey.toBuilder().lastWriteWins(false).build();
        assertThat(off.lastWriteWins()).isFalse();
        assertThat(off.rowKey()).isNull();
        assertThatThrownBy(() -> new R2dbcSinkOptions<>(
                        "balances",
                        new NoConnections(),
                        "balances",
                        List.of("account"),
                        Balance::row,
                        R2dbcSinkMode.COMMIT_POINT,
                        null,
                        false,
                        account,
                        100,
                        100,
                        List.of("p", "o", "n"),
                        OnceflowTables.defaults(),
                        JsonMapper.shared(),
                        false,
                        java.time.Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs lastWriteWins");
    }
}
