package io.onceflow.sinks.r2dbc.internal;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.CommitPointWriter;
import io.onceflow.core.SinkContext;
import io.onceflow.sinks.r2dbc.PostgresCheckpointStore;
import io.onceflow.sinks.r2dbc.PostgresCheckpointStoreOptions;
import reactor.core.publisher.Mono;

/** The checkpoint store: a PostgreSQL commit point without records of its own. */
public final class DefaultPostgresCheckpointStore implements PostgresCheckpointStore {

    private final PostgresCheckpointStoreOptions options;

    public DefaultPostgresCheckpointStore(PostgresCheckpointStoreOptions options) {
        this.options = requireNonNull(options, "options");
    }

    @Override
    public PostgresCheckpointStoreOptions options() {
        return options;
    }

    @Override
    public boolean hasDeadLetterDestination() {
        return options.deadLetterTable() != null;
    }

    @Override
    public Mono<CommitPointWriter<Object>> open(SinkContext context) {
        return PgCommitPointWriter.open(StoreSettings.of(options), context, null, false, Integer.MAX_VALUE, null);
    }

    @Override
    public String toString() {
        return "PostgresCheckpointStore[" + options.name() + "]";
    }
}
