package io.onceflow.sinks.r2dbc;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/** A connection factory for tests that must not connect; its toString holds a "secret". */
public final class NoConnections implements ConnectionFactory {

    @Override
    public Publisher<? extends Connection> create() {
        return Mono.error(new IllegalStateException("no connections in unit tests"));
    }

    @Override
    public ConnectionFactoryMetadata getMetadata() {
        return () -> "none";
    }

    @Override
    public String toString() {
        return "NoConnections[password=hunter2]";
    }
}
