package io.onceflow.sinks.r2dbc;

import static java.util.Objects.requireNonNull;

import io.onceflow.sinks.r2dbc.internal.SqlNames;
import io.r2dbc.spi.ConnectionFactory;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * The settings of a {@link PostgresCheckpointStore}, validated when built.
 *
 * @param name the store's name in meters and logs; defaults to {@code postgres-checkpoint-store}
 * @param connectionFactory where to connect, a connection pool advised; the store does not close it. Required
 * @param tables Onceflow's offsets, state and checkpoints tables; defaults to {@link OnceflowTables#defaults()}
 * @param deadLetterTable where the pipeline's dead letters go, in the checkpoint's transaction; defaults to none (a
 *     dead letter then stops the pipeline with an error that names the record)
 * @param chunkSize state entries or dead letters per statement; defaults to {@code 5000}, at most {@code 100000}
 * @param jsonMapper writes dead letters' payloads; defaults to {@link JsonMapper#shared()}
 * @since 0.1
 */
public record PostgresCheckpointStoreOptions(
        String name,
        ConnectionFactory connectionFactory,
        OnceflowTables tables,
        @Nullable String deadLetterTable,
        int chunkSize,
        JsonMapper jsonMapper) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

    public PostgresCheckpointStoreOptions {
        requireNonNull(name, "name");
        requireNonNull(connectionFactory, "connectionFactory");
        requireNonNull(tables, "tables");
        requireNonNull(jsonMapper, "jsonMapper");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "store name must be 1 to 100 letters, digits, '.', '_', ':' or '-', was '" + name + "'");
        }
        if (deadLetterTable != null) {
            SqlNames.checkTable("dead-letter table", deadLetterTable);
        }
        if (chunkSize < 1 || chunkSize > R2dbcSinkOptions.MAX_CHUNK_SIZE) {
            throw new IllegalArgumentException(
                    "chunkSize must be between 1 and " + R2dbcSinkOptions.MAX_CHUNK_SIZE + ", was " + chunkSize);
        }
    }

    /** A builder with every default set and the connection factory missing. */
    public static Builder builder() {
        return new Builder();
    }

    /** Never the connection factory's settings, which may hold secrets. */
    @Override
    public String toString() {
        return "PostgresCheckpointStoreOptions[name=" + name + ", tables=" + tables + ", deadLetterTable="
                + deadLetterTable + ", chunkSize=" + chunkSize + ", connectionFactory="
                + connectionFactory.getClass().getSimpleName() + "]";
    }

    /** Assembles {@link PostgresCheckpointStoreOptions}. */
    public static final class Builder {
        private String name = "postgres-checkpoint-store";
        private @Nullable ConnectionFactory connectionFactory;
        private OnceflowTables tables = OnceflowTables.defaults();
        private @Nullable String deadLetterTable;
        private int chunkSize = R2dbcSinkOptions.DEFAULT_CHUNK_SIZE;
        private JsonMapper jsonMapper = JsonMapper.shared();

        private Builder() {}

        /** The store's name. Defaults to {@code postgres-checkpoint-store}. */
        public Builder name(String storeName) {
            this.name = requireNonNull(storeName, "name");
            return this;
        }

        /** Where to connect. Required. */
        public Builder connectionFactory(ConnectionFactory factory) {
            this.connectionFactory = requireNonNull(factory, "connectionFactory");
            return this;
        }

        /** Onceflow's tables. Defaults to {@link OnceflowTables#defaults()}. */
        public Builder tables(OnceflowTables onceflowTables) {
            this.tables = requireNonNull(onceflowTables, "tables");
            return this;
        }

        /** The dead-letter table, or {@code null}. Defaults to none. */
        public Builder deadLetterTable(@Nullable String table) {
            this.deadLetterTable = table;
            return this;
        }

        /** Entries per statement. Defaults to {@code 5000}. */
        public Builder chunkSize(int entries) {
            this.chunkSize = entries;
            return this;
        }

        /** The Jackson mapper for payloads. Defaults to {@link JsonMapper#shared()}. */
        public Builder jsonMapper(JsonMapper mapper) {
            this.jsonMapper = requireNonNull(mapper, "jsonMapper");
            return this;
        }

        /**
         * The options.
         *
         * @throws NullPointerException when the connection factory is missing
         * @throws IllegalArgumentException when a setting is invalid
         */
        public PostgresCheckpointStoreOptions build() {
            if (connectionFactory == null) {
                throw new NullPointerException("connectionFactory is required: give connectionFactory(...) a pool");
            }
            return new PostgresCheckpointStoreOptions(
                    name, connectionFactory, tables, deadLetterTable, chunkSize, jsonMapper);
        }
    }
}
