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
 * As an idempotent participant, each checkpoint is one transaction of version-guarded upserts, flushed before the
 * commit point commits. A row's version is the source partition, offset and ordinal of the record that wrote it (the
 * ordinal tells a record's rows apart: its second row for a key is newer than its first), and a row is updated only
 * by a newer version; a replay changes nothing and counts its rows as suppressed duplicates
 * ({@code onceflow.duplicates.suppressed}). With {@code lastWriteWins}, a checkpoint's rows of one key are coalesced
 * to the newest version before writing, so both modes leave the same row.
 *
 * <p>The invariant, whatever fails and is replayed: each row ends equal to the last write of its key in the commit
 * point's committed output. It rests on the version order being the write order, which holds because every operator
 * keeps its records' order within a source partition ({@code flatMap} runs its inner publishers concurrently but
 * emits in record order; keyed state folds in that order, so the newest state carries the highest offset). Its
 * limits, by design:
 * <ul>
 *   <li>Versions compare within a source partition. A key written from several partitions has no order between
 *       them: a write from another partition than the row's last one is applied unconditionally, so such a key
 *       ends with whichever partition flushed last. Co-partition the sink's key with the source (as keyed state
 *       requires), or repartition through a topic.
 *   <li>A custom operator ({@code transform}) that reorders records within a partition breaks the version order;
 *       last-write-wins then keeps the newest version, not the last arrival.
 *   <li>Reprocessing from an earlier offset (a reset of the group's positions, or of the commit point's) writes
 *       older versions, which the guard suppresses. To reprocess on purpose, clear the versions first:
 *       {@code UPDATE balances SET onceflow_offset = NULL}; a row without a version takes any write.
 *   <li>Changing a source topic's partition count moves keys to other partitions (see the first limit).
 * </ul>
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
