package io.onceflow.sinks.r2dbc.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.onceflow.core.CommitPointWriter;
import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.FencedException;
import io.onceflow.core.Marker;
import io.onceflow.core.OnceflowException;
import io.onceflow.core.OnceflowMeters;
import io.onceflow.core.PoisonRecordException;
import io.onceflow.core.ProtocolListener;
import io.onceflow.core.ProtocolPoint;
import io.onceflow.core.Recovery;
import io.onceflow.core.SinkContext;
import io.onceflow.core.SourcePartition;
import io.r2dbc.spi.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * A PostgreSQL commit point's writer for one run: an upsert sink's (with a {@link DataTarget}) or the checkpoint
 * store's (without).
 *
 * <pre>
 *   checkpoint N, one transaction:
 *     BEGIN                                                               ─┐ while N's records arrive, when rows
 *     SET LOCAL idle_in_transaction_session_timeout                        │ are streamed (a sink with streamRows,
 *     upsert rows, one statement per chunk of the rows waiting            ─┘ no earlier checkpoint committing)
 *   at N's marker:
 *     (BEGIN; SET LOCAL idle_in_transaction_session_timeout, when not streamed)
 *     UPDATE offsets SET next_offset, checkpoint_id WHERE epoch = mine    ─┐ one statement; a row that did not
 *     UPDATE checkpoints SET checkpoint_id WHERE instance epoch = mine    ─┘ match: ROLLBACK, fenced
 *     upsert the rows not streamed yet, one statement per chunk
 *     state: per partition, a row of the state log with its changes;        ─┐ StateLog: every few checkpoints
 *       or, folding it, its entries since the last fold upserted / deleted ─┘ a partition is folded instead
 *       in the state table and its log rows deleted
 *     insert dead letters
 *     (the protocol listener hears BEFORE_TRANSACTION_COMMIT)
 *     COMMIT
 * </pre>
 *
 * <p>The fence is the marker's first statement, not the transaction's: its locks on the offsets rows, held across an
 * interval, would make every claim of those partitions (this process's own too) wait for it. Taken at the marker in
 * the same transaction, it makes the commit exclusive all the same: a checkpoint whose partition was claimed since
 * rolls back, streamed rows and all. Only the target rows streamed so far stay locked across an interval (see
 * {@code R2dbcSinkOptions.streamRows}).
 *
 * <p>A checkpoint whose open transaction failed before {@code COMMIT} ({@link StreamedTransaction}) is written whole
 * at its marker in one transaction, as one that was not streamed (carefully, under savepoints, after a refused row).
 *
 * <p>The data path (write, checkpoint, deadLetter) is called by one thread at a time; the commit runs later, on the
 * driver's threads, one checkpoint at a time. {@link #recover} may run meanwhile; the epochs it claims are kept in
 * {@link PartitionClaims}, and each checkpoint commits under the claims it was sealed under.
 */
final class PgCommitPointWriter<T> implements CommitPointWriter<T> {

    private static final Logger COMMIT = LoggerFactory.getLogger("io.onceflow.COMMIT");
    private static final Logger LOG = LoggerFactory.getLogger(PgCommitPointWriter.class);

    private final StoreSettings settings;
    private final String pipeline;
    private final String instanceId;
    private final CommitStatements statements;
    private final @Nullable DeadLetterStatements deadLetterStatements;
    private final @Nullable DataTarget<T> data;
    private final int maxBufferedRecords;
    private final @Nullable StreamSettings streaming;
    private final CommitStatements.InstanceClaim instance;
    private final PartitionClaims held;
    private final StateLog stateLog = new StateLog();
    private final PartitionRecovery recovery;
    private final AtomicInteger sealedRows = new AtomicInteger();
    private final CommitReport report;
    private final ProtocolListener protocolListener;
    private RowBuffer buffer;
    private List<DeadLetter<?>> deadLetters = new ArrayList<>();

    /** The open transaction of the checkpoint being written, when its rows are streamed. */
    private final OpenTransactionSlot open = new OpenTransactionSlot();

    /** Records of the streamed rows that could not be made text: dead letters of the checkpoint being written. */
    private List<DeadLetter<?>> streamRejected = new ArrayList<>();

    /** The dead letters of each sealed checkpoint not yet committed: an idempotent sink's flush may add to them. */
    private final Map<Long, List<DeadLetter<?>>> sealedDeadLetters = new ConcurrentHashMap<>();

    PgCommitPointWriter(
            StoreSettings settings,
            SinkContext context,
            CommitStatements statements,
            CommitStatements.InstanceClaim instance,
            @Nullable DataTarget<T> data,
            boolean lastWriteWins,
            int maxBufferedRecords,
            @Nullable StreamSettings streaming) {
        this.settings = settings;
        this.pipeline = context.pipeline();
        this.instanceId = context.instanceId();
        this.statements = statements;
        this.instance = instance;
        this.data = data;
        this.maxBufferedRecords = maxBufferedRecords;
        this.streaming = data == null ? null : streaming;
        this.buffer = new RowBuffer(lastWriteWins);
        String deadLetterTable = settings.deadLetterTable();
        this.deadLetterStatements =
                deadLetterTable == null ? null : new DeadLetterStatements(deadLetterTable, settings.jsonMapper());
        this.report = new CommitReport(
                pipeline,
                instanceId,
                settings.name(),
                Counter.builder(OnceflowMeters.RECORDS_DEAD_LETTERED)
                        .tags(Tags.of(OnceflowMeters.TAG_PIPELINE, pipeline))
                        .register(context.meterRegistry()));
        this.protocolListener = context.protocolListener();
        this.held = new PartitionClaims(pipeline, settings.name());
        this.recovery = new PartitionRecovery(settings, statements, pipeline, instanceId, held, stateLog);
    }

    /**
     * Opens a commit point: checks Onceflow's tables (and the target table, through {@code target}), and claims
     * the instance, fencing a predecessor with the same identity.
     *
     * @param target describes and checks the target table on the open transaction, or {@code null} for a store
     * @param streaming how rows are streamed into a checkpoint's open transaction, or {@code null} not to
     */
    static <T> Mono<CommitPointWriter<T>> open(
            StoreSettings settings,
            SinkContext context,
            @Nullable TargetOpener<T> target,
            boolean lastWriteWins,
            int maxBufferedRecords,
            @Nullable StreamSettings streaming) {
        CommitStatements statements = new CommitStatements(settings.tables());
        return Transactions.run(
                        settings.connectionFactory(),
                        connection -> Schema.checkOnceflowTables(
                                        connection, settings.tables(), settings.deadLetterTable())
                                .then(
                                        target == null
                                                ? Mono.just(Optional.<DataTarget<T>>empty())
                                                : target.open(connection).map(Optional::of))
                                .flatMap(opened -> statements
                                        .claimInstance(connection, context.pipeline(), context.instanceId())
                                        .map(claim -> new PgCommitPointWriter<T>(
                                                settings,
                                                context,
                                                statements,
                                                claim,
                                                opened.orElse(null),
                                                lastWriteWins,
                                                maxBufferedRecords,
                                                streaming))))
                .<CommitPointWriter<T>>map(writer -> {
                    COMMIT.info(
                            "pipeline={} instance={} sink={} opened at epoch {} after checkpoint {}",
                            context.pipeline(),
                            context.instanceId(),
                            settings.name(),
                            writer.instance.epoch(),
                            writer.instance.lastCheckpoint());
                    return writer;
                })
                .onErrorMap(failure -> PgErrors.translate("opening '" + settings.name() + "'", failure));
    }

    /**
     * How a commit point streams rows into a checkpoint's open transaction.
     *
     * @param chunkRows rows that wait before they are streamed
     * @param idleTimeout the open transaction's {@code idle_in_transaction_session_timeout}
     */
    record StreamSettings(int chunkRows, Duration idleTimeout) {}

    /** Describes and checks a sink's target table, on the transaction that opens the commit point. */
    interface TargetOpener<T> {
        Mono<DataTarget<T>> open(Connection connection);
    }

    @Override
    public long lastCompletedCheckpoint() {
        return instance.lastCheckpoint();
    }

    @Override
    public Mono<Recovery> recover(Collection<SourcePartition> partitions) {
        return recovery.recover(partitions);
    }

    @Override
    public boolean acceptsDeadLetters() {
        return deadLetterStatements != null;
    }

    @Override
    public void deadLetter(DeadLetter<?> deadLetter) {
        if (deadLetterStatements == null) {
            throw new UnsupportedOperationException("'" + settings.name() + "' has no dead-letter table");
        }
        deadLetters.add(deadLetter);
    }

    @Override
    public void write(Data<T> record) {
        if (data == null) {
            throw new UnsupportedOperationException(
                    "'" + settings.name() + "' is a checkpoint store: it takes no" + " records");
        }
        data.prepare(record, buffer);
        if (streaming != null && buffer.unstreamed() >= streaming.chunkRows()) {
            stream(data, streaming);
        }
    }

    /**
     * Writes the rows waiting into the checkpoint's open transaction, opening it first; not while an earlier checkpoint
     * is still committing (its rows are locked: these wait, and go with a later record), nor after a mapping error.
     */
    private void stream(DataTarget<T> target, StreamSettings settings) {
        if (buffer.failed() || (!open.isOpen() && !sealedDeadLetters.isEmpty())) {
            return;
        }
        List<Pending> rows = buffer.stream();
        DataTarget.Batch batch;
        try {
            batch = target.batch(rows, buffer.uniqueKeys(), List.of());
        } catch (OnceflowException mappingError) {
            buffer.fail(mappingError); // the checkpoint fails with it at its marker, as it would without streaming
            return;
        }
        streamRejected.addAll(batch.rejected());
        if (batch.chunks().isEmpty()) {
            return;
        }
        StreamedTransaction transaction = open.openOrBegin(
                () -> StreamedTransaction.begin(this.settings.connectionFactory(), settings.idleTimeout()));
        if (transaction == null) {
            return; // the run is over: these rows are not durable, a replay writes them again
        }
        transaction.write(connection -> target.write(connection, batch, false));
    }

    @Override
    public Mono<Void> checkpoint(Marker<?> marker) {
        RowBuffer.Sealed sealed = buffer.seal();
        StreamedTransaction transaction = open.seal();
        List<DeadLetter<?>> refusedWhileStreaming = streamRejected;
        streamRejected = new ArrayList<>();
        List<DeadLetter<?>> dead = deadLetters;
        deadLetters = new ArrayList<>();
        sealedRows.addAndGet(sealed.size());
        sealedDeadLetters.put(marker.checkpointId(), dead);
        held.seal(marker);
        return Mono.defer(() -> {
                    if (transaction != null) {
                        open.beginCommit(transaction, settings.name(), marker.checkpointId());
                    }
                    List<DeadLetter<?>> all;
                    synchronized (dead) {
                        all = new ArrayList<>(dead);
                    }
                    StateLog.Plan plan;
                    try {
                        // made once, when the commits before it are done: every attempt of it writes the same
                        plan = held.refusal(marker) != null
                                ? new StateLog.Plan() // refused before anything is written
                                : stateLog.plan(marker.stateChanges(), held.sealedUnder(marker.checkpointId()));
                    } catch (RuntimeException unplanned) {
                        // the state log out of step, or a deferred state value that does not encode
                        // (StateCodecException): nothing of this checkpoint may commit
                        return transaction == null
                                ? Mono.error(unplanned)
                                : transaction.abort().then(Mono.error(unplanned));
                    }
                    return (transaction == null
                                    ? commit(marker, sealed, all, plan)
                                    : commitStreamed(marker, sealed, transaction, refusedWhileStreaming, all, plan))
                            .doOnSuccess(done -> stateLog.committed(plan));
                })
                .doOnError(failure -> stateLog.failed())
                .doOnCancel(stateLog::failed) // the commit may still complete on the server
                .doFinally(signal -> {
                    sealedRows.addAndGet(-sealed.size());
                    sealedDeadLetters.remove(marker.checkpointId());
                    held.forget(marker.checkpointId());
                });
    }

    @Override
    public void deadLettersOf(long checkpointId, List<DeadLetter<?>> relayed) {
        if (deadLetterStatements == null) {
            throw new UnsupportedOperationException("'" + settings.name() + "' has no dead-letter table");
        }
        List<DeadLetter<?>> dead = sealedDeadLetters.get(checkpointId);
        if (dead == null) {
            throw new IllegalStateException("checkpoint " + checkpointId + " is not sealed and uncommitted");
        }
        synchronized (dead) {
            dead.addAll(relayed);
        }
    }

    private Mono<Void> commit(Marker<?> marker, RowBuffer.Sealed sealed, List<DeadLetter<?>> dead, StateLog.Plan plan) {
        DataTarget.Batch batch = data == null ? DataTarget.Batch.EMPTY : data.batch(sealed);
        if (!batch.rejected().isEmpty() && deadLetterStatements == null) {
            return Mono.error(
                    new PoisonRecordException(pipeline, batch.rejected().get(0)));
        }
        FencedException refusal = held.refusal(marker);
        if (refusal != null) {
            return Mono.error(refusal);
        }
        return attempt(marker, batch, dead, plan, false)
                .onErrorResume(RowLevelFailure.class, rowFailure -> {
                    LOG.debug(
                            "pipeline={} checkpoint={} sink={} a row was refused ({}); writing again under savepoints",
                            pipeline,
                            marker.checkpointId(),
                            settings.name(),
                            rowFailure.getMessage());
                    return attempt(marker, batch, dead, plan, true);
                })
                .doOnNext(outcome -> report.committed(marker, sealed.records(), batch, dead, outcome))
                .onErrorMap(failure -> PgErrors.translate(
                        "pipeline '" + pipeline + "': checkpoint " + marker.checkpointId() + " in '" + settings.name()
                                + "'",
                        failure))
                .then();
    }

    /**
     * Commits a checkpoint whose rows were streamed into {@code transaction}: the rest of the transaction, then
     * {@code COMMIT}. When the transaction failed before the marker, or a row of the last chunks is refused, the whole
     * checkpoint is written again, as {@link #commit} writes one that was not streamed.
     */
    private Mono<Void> commitStreamed(
            Marker<?> marker,
            RowBuffer.Sealed sealed,
            StreamedTransaction transaction,
            List<DeadLetter<?>> refusedWhileStreaming,
            List<DeadLetter<?>> dead,
            StateLog.Plan plan) {
        FencedException refusal = held.refusal(marker);
        if (refusal != null) {
            return transaction.abort().then(Mono.error(refusal)); // before the rest's rows are made text for nothing
        }
        DataTarget.Batch rest =
                data == null || sealed.failure() != null ? null : restOf(data, sealed, refusedWhileStreaming);
        if (rest == null) {
            // a mapping error, or a refused record and no dead-letter table: as unstreamed
            return transaction.abort().then(Mono.defer(() -> commit(marker, sealed, dead, plan)));
        }
        return transaction
                .finish(connection -> inTransaction(connection, marker, rest, dead, plan, false))
                .doOnNext(outcome -> report.committed(marker, sealed.records(), rest, dead, outcome))
                .then()
                .onErrorResume(
                        failure -> failure instanceof StreamedTransaction.StreamFailure
                                || failure instanceof RowLevelFailure,
                        failure -> {
                            LOG.debug(
                                    "pipeline={} checkpoint={} sink={} written again whole: {}",
                                    pipeline,
                                    marker.checkpointId(),
                                    settings.name(),
                                    failure.toString());
                            return commit(marker, sealed, dead, plan);
                        })
                .onErrorMap(failure -> PgErrors.translate(
                        "pipeline '" + pipeline + "': checkpoint " + marker.checkpointId() + " in '" + settings.name()
                                + "'",
                        failure));
    }

    /** The rows of a streamed checkpoint not streamed yet, or {@code null} when they cannot go as they are. */
    private DataTarget.@Nullable Batch restOf(
            DataTarget<T> target, RowBuffer.Sealed sealed, List<DeadLetter<?>> refusedWhileStreaming) {
        List<DeadLetter<?>> refused = new ArrayList<>(sealed.rejected());
        refused.addAll(refusedWhileStreaming);
        try {
            DataTarget.Batch rest = target.batch(sealed.rows(), sealed.uniqueKeys(), refused);
            return rest.rejected().isEmpty() || deadLetterStatements != null ? rest : null;
        } catch (OnceflowException mappingError) {
            return null;
        }
    }

    /**
     * A checkpoint in one transaction of its own, opened at its marker. Its first statement bounds how long it may sit
     * idle: its fence locks the offsets rows until {@code COMMIT}, and an owner frozen in between (a stop, a long
     * pause) would otherwise hold up the claims of a new owner for as long as it stays frozen; past the bound the
     * server ends the transaction, rolled back, and the claim goes on (a streamed transaction sets the same bound when
     * it opens).
     */
    private Mono<DataOutcome> attempt(
            Marker<?> marker, DataTarget.Batch batch, List<DeadLetter<?>> dead, StateLog.Plan plan, boolean careful) {
        return Transactions.run(
                settings.connectionFactory(),
                connection -> Transactions.boundIdle(connection, settings.openTransactionTimeout())
                        .then(Mono.defer(() -> inTransaction(connection, marker, batch, dead, plan, careful))));
    }

    /** A checkpoint's statements on its transaction, from the fence to its last dead letter; not the commit. */
    private Mono<DataOutcome> inTransaction(
            Connection connection,
            Marker<?> marker,
            DataTarget.Batch batch,
            List<DeadLetter<?>> dead,
            StateLog.Plan plan,
            boolean careful) {
        // the claims the checkpoint was sealed under: a partition claimed again since fails the fence
        Map<SourcePartition, Long> claimed = held.sealedUnder(marker.checkpointId());
        return statements
                .fence(
                        connection,
                        pipeline,
                        instanceId,
                        instance.epoch(),
                        marker.checkpointId(),
                        marker.positions(),
                        claimed)
                .flatMap(fence -> holds(fence, marker) ? Mono.just(fence) : fenced(connection, marker, fence))
                .then(data == null ? Mono.just(DataOutcome.NONE) : data.write(connection, batch, careful))
                .flatMap(outcome -> stateAndDeadLetters(connection, marker, batch, dead, plan, outcome))
                .doOnNext(outcome ->
                        protocolListener.reached(ProtocolPoint.BEFORE_TRANSACTION_COMMIT, marker.checkpointId()));
    }

    /** Whether the fenced update matched every partition of the positions, and the instance's row. */
    private static boolean holds(CommitStatements.Fence fence, Marker<?> marker) {
        return fence.partitions() == marker.positions().partitions().size() && fence.instance() == 1;
    }

    /** The rest of the transaction, after the rows: the state changes and every dead letter of the checkpoint. */
    private Mono<DataOutcome> stateAndDeadLetters(
            Connection connection,
            Marker<?> marker,
            DataTarget.Batch batch,
            List<DeadLetter<?>> dead,
            StateLog.Plan plan,
            DataOutcome outcome) {
        if (!outcome.rejected().isEmpty() && deadLetterStatements == null) {
            return Mono.error(
                    new PoisonRecordException(pipeline, outcome.rejected().get(0)));
        }
        List<DeadLetter<?>> all = new ArrayList<>(dead);
        all.addAll(batch.rejected());
        all.addAll(outcome.rejected());
        Mono<Long> deadLetterInsert = deadLetterStatements == null
                ? Mono.just(0L)
                : deadLetterStatements.insert(
                        connection, pipeline, settings.name(), marker.checkpointId(), all, settings.chunkSize());
        return statements
                .writeState(connection, pipeline, marker.checkpointId(), plan, settings.chunkSize())
                .then(deadLetterInsert)
                .thenReturn(outcome);
    }

    /** The commit's failure when the fenced update did not match (see {@link CommitReport#fenced}). */
    private Mono<CommitStatements.Fence> fenced(Connection connection, Marker<?> marker, CommitStatements.Fence fence) {
        return statements
                .owners(connection, pipeline, marker.positions().partitions())
                .flatMap(owners -> Mono.error(report.fenced(marker, fence.instance() == 1, owners, instance.epoch())));
    }

    @Override
    public int bufferedRecords() {
        return buffer.size() + sealedRows.get();
    }

    @Override
    public int maxBufferedRecords() {
        return maxBufferedRecords;
    }

    @Override
    public Mono<Void> close() {
        // a run that ends with transactions open (its last checkpoint's, or a sealed one whose commit never began
        // because a flush failed): they roll back, and their rows are no longer locked
        return Mono.defer(open::close);
    }
}
