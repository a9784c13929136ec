package io.onceflow.sinks.r2dbc.internal;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Duration;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * One checkpoint's transaction, opened while the checkpoint's records still arrive: a commit point writes the rows
 * into it a chunk at a time ({@link #write}), one statement after the other, and at the marker {@link #finish}es it
 * with the rest (the last rows, the fenced positions, the state) and {@code COMMIT}.
 *
 * <p>Nothing of it is durable before that {@code COMMIT}, so a transaction that fails before its marker (the
 * connection lost, the server restarted, a refused row, the server's {@code idle_in_transaction_session_timeout}) has
 * written nothing: {@link #finish} then fails with a {@link StreamFailure} and leaves the transaction rolled back and
 * its connection given back, and the commit point writes the whole checkpoint again, in one transaction at its marker.
 * So does a failure of the marker's statements before {@code COMMIT} (a connection that the server ended while it sat
 * idle fails the marker's first statement), unless it is Onceflow's own verdict (fenced, a poison record). A failure
 * of {@code COMMIT} itself is not a {@code StreamFailure}: the commit may have been made.
 *
 * <p>The transaction is opened with {@code SET LOCAL idle_in_transaction_session_timeout}: a frozen owner's rows stay
 * locked at most that long after its last statement.
 *
 * <p>Thread-safe: a run's teardown may {@link #abort} it while its last records are still being written on another
 * thread. A chunk given after that is dropped, never written after the {@code ROLLBACK} (where it would commit on its
 * own, outside any fenced transaction).
 */
final class StreamedTransaction {

    private static final Logger LOG = LoggerFactory.getLogger(StreamedTransaction.class);

    /** The streamed part of a checkpoint's transaction failed before its marker: nothing of it was committed. */
    static final class StreamFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StreamFailure(Throwable cause) {
            super("the checkpoint's open transaction failed before its marker: " + cause, cause);
        }
    }

    private final Mono<Connection> connection;
    private Mono<DataOutcome> written; // guarded by this
    private @Nullable Mono<Void> aborted; // guarded by this; once set, no chunk is written any more

    private StreamedTransaction(Mono<Connection> connection) {
        this.connection = connection;
        this.written = connection.thenReturn(DataOutcome.NONE);
    }

    /** Takes a connection and begins the transaction, now (asynchronously). */
    static StreamedTransaction begin(ConnectionFactory factory, Duration idleTimeout) {
        Mono<Connection> connection = Mono.from(factory.create())
                .flatMap(opened -> Mono.from(opened.beginTransaction())
                        .then(Transactions.boundIdle(opened, idleTimeout))
                        .thenReturn(opened)
                        .onErrorResume(failure -> close(opened).then(Mono.error(failure))))
                .cache();
        connection.subscribe(
                opened -> {}, failure -> LOG.debug("opening a transaction failed: {}", failure.toString()));
        return new StreamedTransaction(connection);
    }

    /**
     * Writes a chunk after the chunks before it, now (asynchronously); a failure is kept for {@link #finish}, and the
     * chunks after a failed one are not written.
     */
    synchronized void write(Function<Connection, Mono<DataOutcome>> chunk) {
        if (aborted != null) {
            return;
        }
        Mono<DataOutcome> before = written;
        written =
                before.flatMap(sum -> connection.flatMap(chunk).map(sum::plus)).cache();
        written.subscribe(outcome -> {}, failure -> {});
    }

    /**
     * Once every chunk is written, runs {@code rest} on the transaction and commits it; gives the connection back
     * whatever happens. Emits the outcome of every chunk and of {@code rest}, on {@link Schedulers#parallel()}.
     *
     * @throws StreamFailure (as the error) when a chunk or a statement of {@code rest} failed: the transaction is rolled
     *     back, nothing was committed
     */
    synchronized Mono<DataOutcome> finish(Function<Connection, Mono<DataOutcome>> rest) {
        return written.onErrorMap(StreamFailure::new)
                .flatMap(streamed -> connection.flatMap(opened -> rest.apply(opened)
                        .map(streamed::plus)
                        .flatMap(
                                outcome -> Mono.from(opened.commitTransaction()).thenReturn(outcome))))
                .flatMap(outcome -> closeConnection().thenReturn(outcome))
                .onErrorResume(failure -> abort().then(Mono.error(failure)))
                .publishOn(Schedulers.parallel());
    }

    /**
     * Rolls the transaction back (once the chunks given before are done) and gives the connection back; never fails.
     * Chunks given after it are dropped; calling it again returns the same rollback.
     */
    synchronized Mono<Void> abort() {
        if (aborted == null) {
            aborted = rollback(written);
        }
        return aborted;
    }

    private Mono<Void> rollback(Mono<DataOutcome> chunks) {
        return chunks.onErrorResume(failure -> Mono.empty())
                .then(connection.flatMap(opened -> Mono.from(opened.rollbackTransaction())
                        .onErrorResume(failure -> {
                            LOG.debug("rollback failed (the connection is probably gone): {}", failure.toString());
                            return Mono.empty();
                        })
                        .then(close(opened))))
                .onErrorResume(failure -> Mono.empty())
                .cache();
    }

    private Mono<Void> closeConnection() {
        return connection.flatMap(StreamedTransaction::close);
    }

    private static Mono<Void> close(Connection connection) {
        return Mono.from(connection.close()).onErrorResume(failure -> {
            LOG.debug("closing a connection failed: {}", failure.toString());
            return Mono.empty();
        });
    }
}
