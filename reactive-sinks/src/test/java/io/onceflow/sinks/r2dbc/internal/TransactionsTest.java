package io.onceflow.sinks.r2dbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

class TransactionsTest {

    /**
     * While {@code dead} of them are left, connections the server ended: the client knows it of every other one
     * ({@code validate} says so), not of the others, whose BEGIN fails; then connections that work.
     */
    private static final class Connections implements ConnectionFactory {
        private final AtomicInteger dead;
        final List<String> events = new ArrayList<>();

        Connections(int dead) {
            this.dead = new AtomicInteger(dead);
        }

        @Override
        public Publisher<? extends Connection> create() {
            return Mono.fromSupplier(() -> {
                int left = dead.getAndDecrement();
                boolean broken = left > 0;
                boolean known = broken && left % 2 == 0;
                return (Connection) Proxy.newProxyInstance(
                        Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                            String name = method.getName();
                            synchronized (events) {
                                events.add(name + (broken ? " (dead)" : ""));
                            }
                            if (name.equals("validate")) {
                                return Mono.just(!known);
                            }
                            if (name.equals("beginTransaction") && broken) {
                                return Mono.error(new R2dbcNonTransientResourceException(
                                        "Cannot exchange messages because the connection is closed"));
                            }
                            return Mono.empty();
                        });
            });
        }

        @Override
        public ConnectionFactoryMetadata getMetadata() {
            return () -> "test";
        }
    }

    @Test
    void aConnectionWhoseBeginFailsIsGivenBackAndAnotherTaken() {
        Connections connections = new Connections(2);

        String result =
                Transactions.run(connections, connection -> Mono.just("done")).block(Duration.ofSeconds(5));

        assertThat(result).isEqualTo("done");
        assertThat(connections.events)
                .containsExactly(
                        "validate (dead)",
                        "close (dead)",
                        "validate (dead)",
                        "beginTransaction (dead)",
                        "close (dead)",
                        "validate",
                        "beginTransaction",
                        "commitTransaction",
                        "close");
    }

    @Test
    void threeDeadConnectionsInARowFailTheTransactionWithTheLastFailure() {
        Connections connections = new Connections(3);

        assertThatThrownBy(() -> Transactions.run(connections, connection -> Mono.just("done"))
                        .block(Duration.ofSeconds(5)))
                .isInstanceOf(R2dbcNonTransientResourceException.class)
                .hasMessageContaining("connection is closed");
        assertThat(connections.events).filteredOn(e -> e.startsWith("validate")).hasSize(3);
    }
}
