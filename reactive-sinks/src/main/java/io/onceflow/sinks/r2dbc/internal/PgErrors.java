package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.core.NonTransientFailureException;
import io.onceflow.core.OnceflowException;
import io.onceflow.core.TransientFailureException;
import io.r2dbc.spi.R2dbcException;
import org.jspecify.annotations.Nullable;

/**
 * Sorts database errors by what can be done about them, from their SQLSTATE.
 *
 * <table>
 *   <caption>Error classes</caption>
 *   <tr><th>SQLSTATE</th><th>kind</th><th>what happens</th></tr>
 *   <tr><td>{@code 21000} (a row proposed twice to one upsert), class {@code 22} (data exception: value too long,
 *       invalid JSON, out of range), class {@code 23} (integrity constraint violation), {@code 54000} (a value over a
 *       limit of the server's: an index entry over 2,704 bytes)</td><td>{@link Kind#ROW}</td>
 *       <td>the rows of the failed statement are split until the bad ones are found; those are dead-lettered and the
 *       rest commits</td></tr>
 *   <tr><td>class {@code 42} (syntax, undefined table or column, privilege), {@code 0A} (not supported),
 *       {@code 28} (authorization)</td><td>{@link Kind#PERMANENT}</td><td>the checkpoint fails, not
 *       retryable</td></tr>
 *   <tr><td>anything else: {@code 40001}, {@code 40P01}, class {@code 08} (connection), {@code 57P01}
 *       (shutdown), {@code 53} (resources), a reset connection, a timeout</td><td>{@link Kind#TRANSIENT}</td><td>the
 *       checkpoint fails, retryable: the restart policy replays it</td></tr>
 * </table>
 */
final class PgErrors {

    private PgErrors() {}

    /** What a failure means for the checkpoint. */
    enum Kind {
        /** One or more rows of a statement cannot be written; the others can. */
        ROW,
        /** The checkpoint fails, and replaying it cannot help. */
        PERMANENT,
        /** The checkpoint fails, and replaying it can succeed. */
        TRANSIENT
    }

    /** The SQLSTATE of the first {@link R2dbcException} in {@code failure}'s causes, or {@code null}. */
    static @Nullable String sqlState(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof R2dbcException r2dbc && r2dbc.getSqlState() != null) {
                return r2dbc.getSqlState();
            }
        }
        return null;
    }

    static Kind classify(Throwable failure) {
        String state = sqlState(failure);
        if (state == null) {
            return Kind.TRANSIENT;
        }
        // 54000: a value over a limit of the server's, such as an index entry over 2,704 bytes; in a data statement
        // of Onceflow's, which a replay would send again, it comes from a row, not from the statement
        if (state.equals("21000") || state.equals("54000") || state.startsWith("22") || state.startsWith("23")) {
            return Kind.ROW;
        }
        if (state.startsWith("42") || state.startsWith("0A") || state.startsWith("28")) {
            return Kind.PERMANENT;
        }
        return Kind.TRANSIENT;
    }

    /**
     * {@code failure} as an {@link OnceflowException} that says whether a restart can help; Onceflow's own
     * exceptions pass unchanged.
     */
    static Throwable translate(String what, Throwable failure) {
        if (failure instanceof OnceflowException) {
            return failure;
        }
        String state = sqlState(failure);
        // a row error that reaches here is not in a data statement, where rows are isolated: a replay meets it again
        String message =
                what + " failed" + (state != null ? " [SQLSTATE " + state + "]" : "") + ": " + failure.getMessage();
        return classify(failure) == Kind.TRANSIENT
                ? new TransientFailureException(message, failure)
                : new NonTransientFailureException(message, failure);
    }
}
