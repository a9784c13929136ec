package io.onceflow.sinks.r2dbc.internal;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import io.r2dbc.spi.ValidationDepth;
import java.time.Duration;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Runs work in one database transaction on a connection of its own, and statements on it.
 *
 * <p>The connection is taken from the factory (a pool, usually) when the returned {@code Mono} is subscribed and
 * given back whatever happens: committed after success, rolled back after an error or a cancellation. A rollback
 * or close that fails (the connection was lost) is logged and ignored: the server rolls back a transaction whose
 * connection is gone.
 *
 * <p>The outcome is delivered on {@link Schedulers#parallel()}, never on the driver's event loop.
 *
 * <p>A commit whose outcome is unknown (the connection failed during {@code COMMIT}) is reported as an error. That is
 * safe for a commit point: recovery reads the positions that were really committed.
 */
public final class Transactions {

    private static final Logger LOG = LoggerFactory.getLogger(Transactions.class);

    private Transactions() {}

    /**
     * Runs {@code work} in a transaction.
     *
     * @param work must emit one value; it is committed after it
     */
    static <R> Mono<R> run(ConnectionFactory factory, Function<Connection, Mono<R>> work) {
        return offTheEventLoop(Mono.usingWhen(
                begun(factory),
                connection -> Mono.defer(() -> work.apply(connection))
                        .flatMap(result ->
                                Mono.from(connection.commitTransaction()).thenReturn(result)),
                Transactions::close,
                (connection, error) -> rollback(connection).then(close(connection)),
                connection -> rollback(connection).then(close(connection))));
    }

    /**
     * A connection with its transaction begun. A connection the client knows is closed, or whose {@code BEGIN} fails,
     * is given back and another taken, {@value #BEGIN_ATTEMPTS} times at most: nothing was sent on it. A pool hands out
     * connections the server has ended (after a connection kill, a server restart, an idle timeout): r2dbc-pool
     * validates a connection when it is given back, and one that the server ended mid-transaction even skips its
     * {@code BEGIN} (the driver still believes it is in a transaction), so its next statement would fail.
     */
    private static Mono<Connection> begun(ConnectionFactory factory) {
        return Mono.defer(() -> Mono.from(factory.create()))
                .flatMap(connection -> Mono.from(connection.validate(ValidationDepth.LOCAL))
                        .defaultIfEmpty(true)
                        .flatMap(open -> open
                                ? Mono.from(connection.beginTransaction()).thenReturn(connection)
                                : Mono.error(new IllegalStateException("the pool handed out a closed connection")))
                        .onErrorResume(failure -> close(connection).then(Mono.error(new BeginFailed(failure)))))
                .retryWhen(Retry.max(BEGIN_ATTEMPTS - 1)
                        .filter(BeginFailed.class::isInstance)
                        .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
                .onErrorMap(BeginFailed.class, Throwable::getCause);
    }

    private static final int BEGIN_ATTEMPTS = 3;

    /** A {@code BEGIN} that failed: nothing of the transaction was sent. */
    private static final class BeginFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BeginFailed(Throwable cause) {
            super(cause);
        }
    }

    /** Runs {@code work} on a connection of its own, in auto-commit mode. */
    static <R> Mono<R> withConnection(ConnectionFactory factory, Function<Connection, Mono<R>> work) {
        return offTheEventLoop(Mono.usingWhen(Mono.from(factory.create()), work, Transactions::close));
    }

    /**
     * Delivers the outcome on {@link Schedulers#parallel()}, not on the driver's event loop, which serves every
     * connection of the pool: whatever the pipeline does next (a source that emits on the thread that asks it, the
     * data path resuming after a full buffer) must not hold up the database's I/O.
     */
    private static <R> Mono<R> offTheEventLoop(Mono<R> outcome) {
        return outcome.publishOn(Schedulers.parallel());
    }

    /** Executes {@code sql} with {@code parameters} ({@code $1} is the first); emits the rows it changed. */
    static Mono<Long> update(Connection connection, String sql, @Nullable Object... parameters) {
        return Flux.from(bind(connection.createStatement(sql), parameters).execute())
                .concatMap(Result::getRowsUpdated)
                .reduce(0L, Long::sum);
    }

    /**
     * Bounds how long the transaction open on {@code connection} may sit idle ({@code SET LOCAL
     * idle_in_transaction_session_timeout}, for this transaction only): past it the server ends the session, and the
     * transaction is rolled back with the row locks it held, so that an owner frozen with its transaction open
     * holds up a new owner's claim no longer than that.
     */
    static Mono<Long> boundIdle(Connection connection, Duration timeout) {
        return update(connection, "SET LOCAL idle_in_transaction_session_timeout = " + timeout.toMillis());
    }

    /** Binds parameters by index; a {@code null} is bound as a text {@code NULL}. */
    static Statement bind(Statement statement, @Nullable Object... parameters) {
        for (int i = 0; i < parameters.length; i++) {
            Object parameter = parameters[i];
            if (parameter == null) {
                statement.bindNull(i, String.class);
            } else {
                statement.bind(i, parameter);
            }
        }
        return statement;
    }

    private static Mono<Void> rollback(Connection connection) {
        return Mono.from(connection.rollbackTransaction()).onErrorResume(error -> {
            LOG.debug("rollback failed (the connection is probably gone): {}", error.toString());
            return Mono.empty();
        });
    }

    private static Mono<Void> close(Connection connection) {
        return Mono.from(connection.close()).onErrorResume(error -> {
            LOG.debug("closing a connection failed: {}", error.toString());
            return Mono.empty();
        });
    }
}
