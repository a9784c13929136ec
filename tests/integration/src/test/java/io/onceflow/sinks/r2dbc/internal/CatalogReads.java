package io.onceflow.sinks.r2dbc.internal;

import io.r2dbc.spi.ConnectionFactory;
import java.time.Duration;
import reactor.core.publisher.Mono;

/**
 * The catalog as the checks at open read it, for the integration tests: {@link Catalog} is package-private, and the
 * tests live in another package. Lives here, in the tests, so that the module exports nothing for them (as the
 * benchmarks do).
 */
public final class CatalogReads {

    private CatalogReads() {}

    /** {@code table}'s fillfactor as {@link Catalog#describeWithFillfactor} reads it (Onceflow's own tables). */
    public static int fillfactor(ConnectionFactory connectionFactory, String table) {
        Integer fillfactor = Mono.usingWhen(
                        Mono.from(connectionFactory.create()),
                        connection -> Catalog.describeWithFillfactor(connection, table)
                                .map(TableInfo::fillfactor),
                        connection -> connection.close())
                .block(Duration.ofSeconds(10));
        if (fillfactor == null) {
            throw new IllegalStateException("describing " + table + " delivered nothing");
        }
        return fillfactor;
    }
}
