package io.onceflow.sinks.r2dbc.internal;

import io.onceflow.sinks.r2dbc.OnceflowTables;
import io.onceflow.sinks.r2dbc.PostgresCheckpointStoreOptions;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a commit point needs, whether it is an upsert sink's or the checkpoint store's.
 *
 * @param name the participant's name
 * @param connectionFactory where to connect
 * @param tables Onceflow's tables
 * @param deadLetterTable the dead-letter table, or {@code null}
 * @param chunkSize entries per statement
 * @param jsonMapper for payloads
 * @param openTransactionTimeout the longest a checkpoint's transaction may sit idle between two statements before the
 *     server ends it ({@code idle_in_transaction_session_timeout}): it bounds how long an owner frozen in the middle
 *     of a commit keeps the offsets rows its fence locked, which a new owner's claim waits for
 */
record StoreSettings(
        String name,
        ConnectionFactory connectionFactory,
        OnceflowTables tables,
        @Nullable String deadLetterTable,
        int chunkSize,
        JsonMapper jsonMapper,
        Duration openTransactionTimeout) {

    static StoreSettings of(R2dbcSinkOptions<?> options) {
        return new StoreSettings(
                options.name(),
                options.connectionFactory(),
                options.tables(),
                options.deadLetterTable(),
                options.chunkSize(),
                options.jsonMapper(),
                options.openTransactionTimeout());
    }

    static StoreSettings of(PostgresCheckpointStoreOptions options) {
        return new StoreSettings(
                options.name(),
                options.connectionFactory(),
                options.tables(),
                options.deadLetterTable(),
                options.chunkSize(),
                options.jsonMapper(),
                R2dbcSinkOptions.DEFAULT_OPEN_TRANSACTION_TIMEOUT);
    }
}
