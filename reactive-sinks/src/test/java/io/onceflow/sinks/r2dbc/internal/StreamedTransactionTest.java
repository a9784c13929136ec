package io.onceflow.sinks.r2dbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

class StreamedTransactionTest {

    /** One connection that records what is asked of it; its statements answer when {@link #answer} says so. */
    private static final class RecordingConnection implements ConnectionFactory {
        final List<String> events = new ArrayList<>();
        final Sinks.Empty<Void> answer = Sinks.empty();

        @Override
        public Publisher<? extends Connection> create() {
            return Mono.fromSupplier(() -> (Connection) Proxy.newProxyInstance(
                    Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                        String name = method.getName();
                        if (name.equals("createStatement")) {
                            return statement((String) args[0]);
                        }
                        record(name);
                        return Mono.empty();
                    }));
        }

        private Statement statement(String sql) {
            return (Statement) Proxy.newProxyInstance(
                    Statement.class.getClassLoader(), new Class<?>[] {Statement.class}, (proxy, method, args) -> {
                        if (method.getName().equals("execute")) {
                            // the statement is sent when it is subscribed to; it answers later
                            return Flux.defer(() -> {
                                record(sql);
                                return answer.asMono().thenMany(Flux.<Result>empty());
                            });
                        }
                        return proxy;
                    });
        }

        private void record(String event) {
            synchronized (events) {
                events.add(event);
            }
        }

        List<String> events() {
            synchronized (events) {
                return List.copyOf(events);
            }
        }

        @Override
        public ConnectionFactoryMetadata getMetadata() {
            return () -> "test";
        }
    }

    private static Mono<DataOutcome> insert(Connection connection, String rows) {
        return Transactions.update(connection, "INSERT " + rows).thenReturn(DataOutcome.NONE);
    }

    @Test
    void aChunkGivenAfterTheAbortIsNeverSentAfterItsRollback() {
        RecordingConnection connections = new RecordingConnection();
        StreamedTransaction transaction = StreamedTransaction.begin(connections, Duration.ofSeconds(30));
        transaction.write(connection -> insert(connection, "first"));

        // a run's teardown aborts while the first chunk is still in flight, and a late record's chunk follows
        Mono<Void> abort = transaction.abort();
        abort.subscribe();
        transaction.write(connection -> insert(connection, "late"));
        connections.answer.tryEmitEmpty();
        abort.block(Duration.ofSeconds(5));

        // sent after the rollback, "late" would have committed on its own, outside the fenced transaction
        assertThat(connections.events())
                .containsExactly(
                        "beginTransaction",
                        "SET LOCAL idle_in_transaction_session_timeout = 30000",
                        "INSERT first",
                        "rollbackTransaction",
                        "close");
        assertThat(transaction.abort()).as("aborting again").isSameAs(abort);
    }

    @Test
    void aClosedWriterOpensNoTransactionForItsLateRecords() {
        RecordingConnection connections = new RecordingConnection();
        OpenTransactionSlot slot = new OpenTransactionSlot();
        StreamedTransaction first =
                slot.openOrBegin(() -> StreamedTransaction.begin(connections, Duration.ofSeconds(30)));
        assertThat(slot.openOrBegin(() -> {
                    throw new AssertionError("a second transaction while one is open");
                }))
                .isSameAs(first);

        connections.answer.tryEmitEmpty();
        slot.close().block(Duration.ofSeconds(5));

        // a record that arrives while the run is torn down: a transaction opened now would lock its rows until the
        // server's idle timeout, and the next run's commits would wait for it
        assertThat(slot.openOrBegin(() -> {
                    throw new AssertionError("a transaction opened after the close");
                }))
                .isNull();
        assertThat(slot.isOpen()).isFalse();
        assertThat(connections.events()).endsWith("rollbackTransaction", "close");
    }
}
