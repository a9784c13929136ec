package io.onceflow.sinks.r2dbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.onceflow.core.DeadLetter;
import io.onceflow.sinks.r2dbc.NoConnections;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.Row;
import org.junit.jupiter.api.Test;

/** Turning records into rows on the data path: never a throw, bad records set aside, mapping errors kept. */
class DataTargetTest {

    /** A value Jackson fails to write. */
    static final class Unwritable {
        public String getValue() {
            throw new IllegalStateException("cannot be read");
        }
    }

    private static R2dbcSinkOptions.Builder<String> options(java.util.function.Function<String, Row> columns) {
        return R2dbcSinkOptions.<String>builder()
                .connectionFactory(new NoConnections())
                .table("balances")
                .key("account")
                .columns(columns)
                .idempotent();
    }

    private static DataTarget<String> target(R2dbcSinkOptions<String> options) {
        return new DataTarget<>(options, Tables.balances(), options.versionColumns());
    }

    private static DataTarget<String> target(java.util.function.Function<String, Row> columns) {
        return target(options(columns).build());
    }

    @Test
    void recordsBecomeRowsAndBadOnesDeadLettersWithTheirOrigin() {
        DataTarget<String> target = target(value -> {
            if (value.equals("throw")) {
                throw new IllegalStateException("mapper failed");
            }
            return Row.of(
                    "account",
                    value.equals("nokey") ? null : value,
                    "details",
                    value.equals("json") ? new Unwritable() : "{}");
        });
        RowBuffer buffer = new RowBuffer(false);
        target.prepare(Tables.data("a", 0, 1), buffer);
        target.prepare(Tables.data("throw", 0, 2), buffer);
        target.prepare(Tables.data("nokey", 0, 3), buffer);
        target.prepare(Tables.data("json", 1, 4), buffer);
        RowBuffer.Sealed sealed = buffer.seal();
        assertThat(sealed.failure()).isNull();
        assertThat(sealed.records()).isEqualTo(4);
        // the JSON value is written on the commit path, where it is found unwritable
        DataTarget.Batch batch = target.batch(sealed);

        assertThat(batch.chunks()).hasSize(1);
        assertThat(batch.chunks().get(0)).extracting(Entry::key).containsExactly("a");
        assertThat(batch.chunks().get(0).get(0).texts()).containsExactly("a", "{}");
        assertThat(batch.rejected())
                .extracting(d -> d.origin().toString(), DeadLetter::stage, DeadLetter::errorClass)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "payments-0@2", "sink:balances", "java.lang.IllegalStateException"),
                        org.assertj.core.groups.Tuple.tuple(
                                "payments-0@3", "sink:balances", "java.lang.NullPointerException"),
                        org.assertj.core.groups.Tuple.tuple(
                                "payments-1@4",
                                "sink:balances",
                                batch.rejected().get(2).errorClass()));
        assertThat(batch.rejected().get(1).errorMessage()).contains("key column [account] is null");
    }

    @Test
    void aMappingErrorFailsTheCheckpointInsteadOfDeadLetteringEveryRecord() {
        DataTarget<String> target = target(value -> Row.of("account", value, "nope", 1));
        RowBuffer buffer = new RowBuffer(false);
        target.prepare(Tables.data("a", 0, 1), buffer);
        target.prepare(Tables.data("b", 0, 2), buffer);
        RowBuffer.Sealed sealed = buffer.seal();
        assertThat(sealed.failure()).hasMessageContaining("writes column 'nope'");
        assertThat(sealed.rows()).isEmpty();
        assertThat(sealed.rejected()).isEmpty();
        assertThatThrownBy(() -> target.batch(sealed)).hasMessageContaining("writes column 'nope'");
    }

    /** A sink on {@code balances} coalescing by {@code rowKey}. */
    private static DataTarget<String> byRowKey(
            java.util.function.Function<String, ?> rowKey, java.util.function.Function<String, Row> columns) {
        return target(options(columns).lastWriteWins(rowKey).build());
    }

    /** "account:cents" records: the account is the row's key. */
    private static String account(String value) {
        return value.substring(0, value.indexOf(':'));
    }

    private static Row balance(String value) {
        return Row.of(
                "account", account(value), "balance_cents", Long.parseLong(value.substring(value.indexOf(':') + 1)));
    }

    private static java.util.List<String> written(DataTarget.Batch batch) {
        return batch.chunks().stream()
                .flatMap(java.util.List::stream)
                .map(entry -> String.join(":", entry.texts()[0], entry.texts()[1]) + "@"
                        + entry.record().origin())
                .toList();
    }

    @Test
    void withARowKeyFunctionOnlyTheNewestRecordOfAKeyIsMappedAndItsRowIsTheOneWithout() {
        java.util.concurrent.atomic.AtomicInteger mapped = new java.util.concurrent.atomic.AtomicInteger();
        DataTarget<String> lazy = byRowKey(DataTargetTest::account, value -> {
            mapped.incrementAndGet();
            return balance(value);
        });
        DataTarget<String> eager = target(DataTargetTest::balance);
        RowBuffer lazyBuffer = new RowBuffer(true);
        RowBuffer eagerBuffer = new RowBuffer(true);
        String[] values = {"a:1", "b:2", "a:3", "c:4", "a:5", "b:6"};
        for (int i = 0; i < values.length; i++) {
            lazy.prepare(Tables.data(values[i], 0, i), lazyBuffer);
            eager.prepare(Tables.data(values[i], 0, i), eagerBuffer);
        }
        assertThat(mapped).hasValue(0); // nothing made on the data path

        DataTarget.Batch batch = lazy.batch(lazyBuffer.seal());

        assertThat(mapped).hasValue(3); // one row per key, the newest record's
        assertThat(written(batch))
                .containsExactlyInAnyOrder("a:5@payments-0@4", "b:6@payments-0@5", "c:4@payments-0@3");
        assertThat(written(batch)).containsExactlyInAnyOrderElementsOf(written(eager.batch(eagerBuffer.seal())));
    }

    @Test
    void aRowKeyFunctionThatGivesARowAnotherKeyStopsThePipelineInsteadOfDroppingRows() {
        // a coarser function: every record "one" key, so all but one row would be dropped; the row made is checked
        DataTarget<String> target = byRowKey(value -> "a", DataTargetTest::balance);
        RowBuffer buffer = new RowBuffer(true);
        target.prepare(Tables.data("a:1", 0, 0), buffer);
        target.prepare(Tables.data("b:2", 0, 1), buffer);
        RowBuffer.Sealed sealed = buffer.seal();

        assertThatThrownBy(() -> target.batch(sealed))
                .isInstanceOf(io.onceflow.core.PipelineConfigurationException.class)
                .hasMessageContaining("row key function of sink 'balances' gave record payments-0@1 another key")
                .hasMessageContaining("[account]");
    }

    @Test
    void keysThatDifferAsObjectsButWriteOneRowAreCoalescedAgainToTheNewest() {
        // a StringBuilder equals only itself: the buffer keeps both, the statement must not
        DataTarget<String> target = byRowKey(value -> new StringBuilder(account(value)), DataTargetTest::balance);
        RowBuffer buffer = new RowBuffer(true);
        target.prepare(Tables.data("a:1", 0, 7), buffer);
        target.prepare(Tables.data("a:2", 1, 3), buffer);
        target.prepare(Tables.data("a:3", 0, 8), buffer);

        assertThat(written(target.batch(buffer.seal()))).containsExactly("a:3@payments-0@8");
    }

    @Test
    void aRecordWhoseKeyOrRowCannotBeMadeIsADeadLetterAndAnOlderRecordOfItsKeyIsNotWrittenInstead() {
        DataTarget<String> target = byRowKey(
                value -> {
                    if (value.startsWith("nokey")) {
                        return null;
                    }
                    return account(value);
                },
                value -> {
                    if (value.endsWith(":0")) {
                        throw new IllegalStateException("mapper failed");
                    }
                    return balance(value);
                });
        RowBuffer buffer = new RowBuffer(true);
        target.prepare(Tables.data("a:1", 0, 1), buffer);
        target.prepare(Tables.data("a:0", 0, 2), buffer); // the newest of a: its row cannot be made
        target.prepare(Tables.data("nokey:1", 0, 3), buffer);
        target.prepare(Tables.data("b:1", 0, 4), buffer);

        DataTarget.Batch batch = target.batch(buffer.seal());

        assertThat(written(batch)).containsExactly("b:1@payments-0@4");
        assertThat(batch.rejected())
                .extracting(d -> d.origin().toString(), DeadLetter::errorClass)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("payments-0@3", "java.lang.NullPointerException"),
                        org.assertj.core.groups.Tuple.tuple("payments-0@2", "java.lang.IllegalStateException"));
    }

    @Test
    void aCompositeKeyIsAListOfItsValuesInKeyOrder() {
        R2dbcSinkOptions<String> options = options(
                        value -> Row.of("name", "n", "account", account(value), "balance_cents", 1L))
                .key("account", "name")
                .lastWriteWins(value -> java.util.List.of(account(value), "n"))
                .build();
        DataTarget<String> target = target(options);
        RowBuffer buffer = new RowBuffer(true);
        target.prepare(Tables.data("a:1", 0, 1), buffer);
        target.prepare(Tables.data("a:2", 0, 2), buffer);
        assertThat(target.batch(buffer.seal()).chunks().get(0))
                .extracting(entry -> entry.record().origin().offset())
                .containsExactly(2L);

        DataTarget<String> notAList = target(
                options.toBuilder().lastWriteWins(DataTargetTest::account).build());
        RowBuffer second = new RowBuffer(true);
        notAList.prepare(Tables.data("a:1", 0, 1), second);
        RowBuffer.Sealed sealed = second.seal();
        assertThatThrownBy(() -> notAList.batch(sealed))
                .isInstanceOf(io.onceflow.core.PipelineConfigurationException.class)
                .hasMessageContaining("give a List of 2 values");
    }
}
