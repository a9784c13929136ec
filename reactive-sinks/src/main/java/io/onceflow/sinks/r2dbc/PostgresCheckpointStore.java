package io.onceflow.sinks.r2dbc;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.CommitPoint;
import io.onceflow.sinks.r2dbc.internal.DefaultPostgresCheckpointStore;

/**
 * The commit point of a pipeline whose sinks are all idempotent: it records each checkpoint's keyed-state changes,
 * source positions and dead letters in one PostgreSQL transaction, with the same epoch fencing as an
 * {@link R2dbcUpsertSink} commit point, and no records of its own.
 *
 * <pre>
 *   records ──▶ idempotent sinks: flush(N) ──┐
 *   marker N ─────────────────────────────────┴─▶ checkpoint store: BEGIN; fence offsets; state; dead letters; COMMIT
 * </pre>
 *
 * <p><strong>Commit Semantics</strong>: the idempotent sinks make checkpoint N's records durable first; the store then
 * commits the positions that say N is complete. If the store's commit fails, the records of N are replayed into
 * the idempotent sinks, which change nothing.
 *
 * <pre>{@code
 * Pipeline pipeline = Onceflow.pipeline("ledger")
 *         .checkpointStore(PostgresCheckpointStore.create(PostgresCheckpointStoreOptions.builder()
 *                 .connectionFactory(pool)
 *                 .build()))
 *         .from(payments)
 *         .keyed("balances", Payment::account, Balance::empty, Balance::apply)
 *         .to(R2dbcUpsertSink.create(balances.withMode(R2dbcSinkMode.IDEMPOTENT)));
 * }</pre>
 *
 * @since 0.1
 */
public interface PostgresCheckpointStore extends CommitPoint<Object> {

    /** A checkpoint store with {@code options}. */
    static PostgresCheckpointStore create(PostgresCheckpointStoreOptions options) {
        return new DefaultPostgresCheckpointStore(requireNonNull(options, "options"));
    }

    /** The store's settings. */
    PostgresCheckpointStoreOptions options();

    @Override
    default String name() {
        return options().name();
    }
}
