package io.onceflow.spring;

import static java.util.Objects.requireNonNull;

import io.onceflow.sinks.r2dbc.OnceflowTables;
import io.onceflow.sinks.r2dbc.PostgresCheckpointStoreOptions;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.r2dbc.spi.ConnectionFactory;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * The application's PostgreSQL for Onceflow's sinks and checkpoint store: its R2DBC {@link ConnectionFactory} (Spring
 * Boot's pool, from {@code spring.r2dbc.*}) and the names of Onceflow's tables ({@code onceflow.postgres.schema}).
 *
 * <pre>{@code
 * R2dbcUpsertSink<Balance> balances = R2dbcUpsertSink.create(postgres.<Balance>sinkOptions()
 *         .table("balances")
 *         .key("account")
 *         .columns(Balance::row)
 *         .commitPoint()
 *         .build());
 * }</pre>
 *
 * <p>With {@code onceflow.postgres.create-tables=true} the runner creates Onceflow's tables (and
 * {@code onceflow.postgres.dead-letter-tables}) before it starts the pipelines; otherwise create them with a migration
 * tool from {@link OnceflowTables#ddl()}.
 *
 * @since 0.1
 */
public final class OnceflowPostgres {

    private final ConnectionFactory connectionFactory;
    private final OnceflowTables tables;
    private final List<String> deadLetterTables;

    private OnceflowPostgres(
            ConnectionFactory connectionFactory, OnceflowTables tables, List<String> deadLetterTables) {
        this.connectionFactory = requireNonNull(connectionFactory, "connectionFactory");
        this.tables = requireNonNull(tables, "tables");
        this.deadLetterTables = List.copyOf(deadLetterTables);
    }

    /**
     * A database.
     *
     * @param connectionFactory where to connect
     * @param tables the names of Onceflow's tables
     * @param deadLetterTables dead-letter tables {@link #createTables()} creates with them
     */
    public static OnceflowPostgres of(
            ConnectionFactory connectionFactory, OnceflowTables tables, List<String> deadLetterTables) {
        return new OnceflowPostgres(connectionFactory, tables, deadLetterTables);
    }

    /** The database the properties name. */
    static OnceflowPostgres from(ConnectionFactory connectionFactory, OnceflowProperties.Postgres properties) {
        OnceflowTables tables = properties.schema().isEmpty()
                ? OnceflowTables.defaults()
                : OnceflowTables.inSchema(properties.schema());
        return new OnceflowPostgres(connectionFactory, tables, properties.deadLetterTables());
    }

    /** The connection factory. */
    public ConnectionFactory connectionFactory() {
        return connectionFactory;
    }

    /** The names of Onceflow's tables. */
    public OnceflowTables tables() {
        return tables;
    }

    /** An upsert sink's options with the connection factory and the tables; add the table, key, columns and mode. */
    public <T> R2dbcSinkOptions.Builder<T> sinkOptions() {
        return R2dbcSinkOptions.<T>builder()
                .connectionFactory(connectionFactory)
                .tables(tables);
    }

    /** A checkpoint store's options with the connection factory and the tables. */
    public PostgresCheckpointStoreOptions.Builder checkpointStoreOptions() {
        return PostgresCheckpointStoreOptions.builder()
                .connectionFactory(connectionFactory)
                .tables(tables);
    }

    /** Creates Onceflow's tables and the dead-letter tables where they are missing; completes when they exist. */
    public Mono<Void> createTables() {
        return tables.create(connectionFactory, deadLetterTables.toArray(String[]::new));
    }
}
