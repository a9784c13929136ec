package io.onceflow.sinks.r2dbc;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.Sink;
import io.onceflow.sinks.r2dbc.internal.DefaultR2dbcCommitPoint;
import io.onceflow.sinks.r2dbc.internal.DefaultR2dbcIdempotentSink;

/**
 * Upserts records into a PostgreSQL table over R2DBC, exactly once: as the pipeline's commit point, or as an
 * idempotent participant.
 *
 * <pre>
 *   d1 d2 d3 [M1] d4 d5 [M2]          records buffered per checkpoint, in memory, bounded
 *             │           │
 *             ▼           ▼
 *   commit point:  BEGIN; fence offsets (epoch); upsert rows in chunks; state; dead letters; COMMIT
 *   idempotent:    BEGIN; upsert rows in chunks, only where the version is newer; dead letters; COMMIT
 * </pre>
 *
 * <p>Rows are written in chunks of {@code chunkSize}, one statement and one round trip each: every column travels as
 * one array parameter ({@code unnest}), so a statement has one bind parameter per column whatever its rows, far
 * under PostgreSQL's limit of 65,535. Records of one key in one checkpoint are written in order (or coalesced to the
 * last one, with {@code lastWriteWins}).
 *
 * <p>At open, the sink checks the table: it must exist, with a unique key on exactly the key columns, with the
 * version columns in the idempotent mode, and Onceflow's tables must exist for a commit point. Otherwise the run
 * fails with a {@link io.onceflow.core.PipelineConfigurationException} that says what to create. A columns mapper
 * that names a column the table lacks, or gives a value of a class the column's type does not take, fails the first
 * checkpoint the same way.
 *
 * <p><strong>Commit Semantics</strong>: as a commit point, each checkpoint is one transaction: its rows, its dead
 * letters, the marker's keyed-state changes and source positions, with the checkpoint id. The offsets rows are
 * updated first, {@code WHERE epoch = } the epoch this run claimed; if another instance claimed a partition since,
 * nothing matches, the transaction rolls back and the run fails with a {@link io.onceflow.core.FencedException}.
 * As an idempotent participant, each checkpoint is one transaction of version-guarded upserts: a row is updated only
 * by a record of a later offset of the same source partition, so a replay changes nothing and counts its rows as
 * suppressed duplicates ({@code onceflow.duplicates.suppressed}). The version compares offsets within a source
 * partition only: the idempotent mode requires that every record of a key comes from one source partition
 * (co-partitioning, as keyed state does). A write from another partition than the row's last one is applied
 * unconditionally (the key moved, after repartitioning), so keys written from two partitions at once are not
 * protected against replays.
 *
 * <p><strong>Error Mode Support</strong>: a row the database refuses (SQLSTATE classes 22 and 23: a constraint
 * violation, a value too long, invalid JSON) is found by splitting its statement under savepoints, then written to
 * the dead-letter table with its origin and error while the rest of the checkpoint commits. Without a dead-letter
 * table the pipeline stops with a {@link io.onceflow.core.PoisonRecordException} that names the record. Transient
 * failures (a lost connection, SQLSTATE 40001, 40P01, 57P01) fail the checkpoint as retryable, for the restart policy.
 *
 * <pre>{@code
 * R2dbcUpsertSink<Balance> balances = R2dbcUpsertSink.create(R2dbcSinkOptions.<Balance>builder()
 *         .connectionFactory(pool)
 *         .table("balances").key("account")
 *         .columns(b -> Row.of("account", b.account(), "balance_cents", b.cents()))
 *         .commitPoint()
 *         .deadLetterTable("ledger_dead_letters")
 *         .build());
 * }</pre>
 *
 * @param <T> the type of the records
 * @since 0.1
 */
public interface R2dbcUpsertSink<T> extends Sink<T> {

    /**
     * A sink with {@code options}: a {@link io.onceflow.core.CommitPoint} in {@link R2dbcSinkMode#COMMIT_POINT}
     * mode, an {@link io.onceflow.core.IdempotentSink} in {@link R2dbcSinkMode#IDEMPOTENT} mode.
     */
    static <T> R2dbcUpsertSink<T> create(R2dbcSinkOptions<T> options) {
        requireNonNull(options, "options");
        return options.mode() == R2dbcSinkMode.COMMIT_POINT
                ? new DefaultR2dbcCommitPoint<>(options)
                : new DefaultR2dbcIdempotentSink<>(options);
    }

    /** The sink's settings. */
    R2dbcSinkOptions<T> options();

    @Override
    default String name() {
        return options().name();
    }
}
