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

    private static DataTarget<String> target(java.util.function.Function<String, Row> columns) {
        R2dbcSinkOptions<String> options = R2dbcSinkOptions.<String>builder()
                .connectionFactory(new NoConnections())
                .table("balances")
                .key("account")
                .columns(columns)
                .idempotent()
                .build();
        return new DataTarget<>(options, Tables.balances(), options.versionColumns());
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
}
