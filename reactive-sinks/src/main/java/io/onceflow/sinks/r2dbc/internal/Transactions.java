package io.onceflow.sinks.r2dbc.internal;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

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
                Mono.from(factory.create()),
                connection -> Mono.from(connection.beginTransaction())
                        .then(Mono.defer(() -> work.apply(connection)))
                        .flatMap(result ->
                                Mono.from(connection.commitTransaction()).thenReturn(result)),
                Transactions::close,
                (connection, error) -> rollback(connection).then(close(connection)),
                connection -> rollback(connection).then(close(connection))));
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
