package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.core.DeadLetter;
import java.util.ArrayList;
import java.util.List;

/**
 * What writing a checkpoint's rows did.
 *
 * @param rows rows in statements that succeeded
 * @param changed rows those statements inserted or updated; {@code rows - changed} were left unchanged by the
 *     version guard
 * @param statements data statements executed, failed ones included
 * @param rejected rows the database refused, as dead letters
 */
record DataOutcome(long rows, long changed, int statements, List<DeadLetter<?>> rejected) {

    static final DataOutcome NONE = new DataOutcome(0, 0, 0, List.of());

    /** A statement that failed and whose rows were written again, split. */
    static final DataOutcome FAILED_STATEMENT = new DataOutcome(0, 0, 1, List.of());

    static DataOutcome written(long rows, long changed) {
        return new DataOutcome(rows, changed, 1, List.of());
    }

    static DataOutcome refused(DeadLetter<?> deadLetter) {
        return new DataOutcome(0, 0, 0, List.of(deadLetter));
    }

    DataOutcome plus(DataOutcome other) {
        List<DeadLetter<?>> all = rejected;
        if (!other.rejected.isEmpty()) {
            all = new ArrayList<>(rejected);
            all.addAll(other.rejected);
        }
        return new DataOutcome(rows + other.rows, changed + other.changed, statements + other.statements, all);
    }

    /** Rows the version guard left unchanged: replayed writes. */
    long unchanged() {
        return rows - changed;
    }
}
