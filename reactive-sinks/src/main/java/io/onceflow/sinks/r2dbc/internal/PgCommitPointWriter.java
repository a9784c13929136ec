package io.onceflow.sinks.r2dbc.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.onceflow.core.CommitPointWriter;
import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.FencedException;
import io.onceflow.core.Marker;
import io.onceflow.core.OnceflowMeters;
import io.onceflow.core.PartitionFencedException;
import io.onceflow.core.PoisonRecordException;
import io.onceflow.core.Positions;
import io.onceflow.core.ProtocolListener;
import io.onceflow.core.ProtocolPoint;
import io.onceflow.core.Recovery;
import io.onceflow.core.SinkContext;
import io.onceflow.core.SourcePartition;
import io.onceflow.core.StateChange;
import io.r2dbc.spi.Connection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
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
 *     BEGIN
 *     UPDATE offsets SET next_offset, checkpoint_id WHERE epoch = mine    ─┐ one statement; a row that did not
 *     UPDATE checkpoints SET checkpoint_id WHERE instance epoch = mine    ─┘ match: ROLLBACK, fenced
 *     upsert rows, one statement per chunk (refused rows: savepoints, dead letters)
 *     upsert / delete state entries
 *     insert dead letters
 *     (the protocol listener hears BEFORE_TRANSACTION_COMMIT)
 *     COMMIT
 * </pre>
 *
 * <p>The data path (write, checkpoint, deadLetter) is called by one thread at a time; the commit runs later, on the
 * driver's threads, one checkpoint at a time. {@link #recover} may run meanwhile; the epochs it claims are kept in a
 * concurrent map.
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
    private final CommitStatements.InstanceClaim instance;
    private final Map<SourcePartition, Long> epochs = new ConcurrentHashMap<>();
    private final AtomicInteger sealedRows = new AtomicInteger();
    private final Counter deadLettered;
    private final ProtocolListener protocolListener;
    private RowBuffer buffer;
    private List<DeadLetter<?>> deadLetters = new ArrayList<>();

    /** The dead letters of each sealed checkpoint not yet committed: an idempotent sink's flush may add to them. */
    private final Map<Long, List<DeadLetter<?>>> sealedDeadLetters = new ConcurrentHashMap<>();

    PgCommitPointWriter(
            StoreSettings settings,
            SinkContext context,
            CommitStatements statements,
            CommitStatements.InstanceClaim instance,
            @Nullable DataTarget<T> data,
            boolean lastWriteWins,
            int maxBufferedRecords) {
        this.settings = settings;
        this.pipeline = context.pipeline();
        this.instanceId = context.instanceId();
        this.statements = statements;
        this.instance = instance;
        this.data = data;
        this.maxBufferedRecords = maxBufferedRecords;
        this.buffer = new RowBuffer(lastWriteWins);
        String deadLetterTable = settings.deadLetterTable();
        this.deadLetterStatements =
                deadLetterTable == null ? null : new DeadLetterStatements(deadLetterTable, settings.jsonMapper());
        // the engine's own counter (pipeline tag only), which also counts the rows this sink refuses
        this.deadLettered = Counter.builder(OnceflowMeters.RECORDS_DEAD_LETTERED)
                .tags(Tags.of(OnceflowMeters.TAG_PIPELINE, pipeline))
                .register(context.meterRegistry());
        this.protocolListener = context.protocolListener();
    }

    /**
     * Opens a commit point: checks Onceflow's tables (and the target table, through {@code target}), and claims
     * the instance, fencing a predecessor with the same identity.
     *
     * @param target describes and checks the target table on the open transaction, or {@code null} for a store
     */
    static <T> Mono<CommitPointWriter<T>> open(
            StoreSettings settings,
            SinkContext context,
            @Nullable TargetOpener<T> target,
            boolean lastWriteWins,
            int maxBufferedRecords) {
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
                                                maxBufferedRecords))))
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
        List<SourcePartition> claimed = List.copyOf(partitions);
        if (claimed.isEmpty()) {
            return Mono.just(Recovery.empty());
        }
        return Transactions.run(
                        settings.connectionFactory(),
                        connection -> statements
                                .claimPartitions(connection, pipeline, instanceId, claimed)
                                .flatMap(claims -> statements
                                        .readState(connection, pipeline, claimed)
                                        .map(state -> claimed(claimed, claims, state))))
                .onErrorMap(failure -> PgErrors.translate(
                        "pipeline '" + pipeline + "': claiming " + claimed + " in '" + settings.name() + "'", failure));
    }

    /** Keeps the epochs this run claimed, and hands the committed positions and state back. */
    private Recovery claimed(
            List<SourcePartition> partitions, List<CommitStatements.PartitionClaim> claims, List<StateChange> state) {
        Map<SourcePartition, Long> positions = new HashMap<>();
        for (CommitStatements.PartitionClaim claim : claims) {
            epochs.put(claim.partition(), claim.epoch());
            if (claim.nextOffset() != null) {
                positions.put(claim.partition(), claim.nextOffset());
            }
        }
        COMMIT.info(
                "pipeline={} instance={} sink={} claimed {} at epochs {}, committed positions {}, {} state entries",
                pipeline,
                instanceId,
                settings.name(),
                partitions,
                claims.stream().map(CommitStatements.PartitionClaim::epoch).toList(),
                positions,
                state.size());
        return new Recovery(Positions.of(positions), state);
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
    }

    @Override
    public Mono<Void> checkpoint(Marker<?> marker) {
        RowBuffer.Sealed sealed = buffer.seal();
        List<DeadLetter<?>> dead = deadLetters;
        deadLetters = new ArrayList<>();
        sealedRows.addAndGet(sealed.size());
        sealedDeadLetters.put(marker.checkpointId(), dead);
        return Mono.defer(() -> {
                    List<DeadLetter<?>> all;
                    synchronized (dead) {
                        all = new ArrayList<>(dead);
                    }
                    return commit(marker, sealed, all);
                })
                .doFinally(signal -> {
                    sealedRows.addAndGet(-sealed.size());
                    sealedDeadLetters.remove(marker.checkpointId());
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

    private Mono<Void> commit(Marker<?> marker, RowBuffer.Sealed sealed, List<DeadLetter<?>> dead) {
        DataTarget.Batch batch = data == null ? DataTarget.Batch.EMPTY : data.batch(sealed);
        if (!batch.rejected().isEmpty() && deadLetterStatements == null) {
            return Mono.error(
                    new PoisonRecordException(pipeline, batch.rejected().get(0)));
        }
        List<SourcePartition> unclaimed = marker.positions().partitions().stream()
                .filter(partition -> !epochs.containsKey(partition))
                .toList();
        if (!unclaimed.isEmpty()) {
            return Mono.error(new FencedException(
                    "pipeline '" + pipeline + "': '" + settings.name() + "' cannot commit checkpoint "
                            + marker.checkpointId() + " for " + unclaimed + ", which this run never claimed",
                    null));
        }
        return attempt(marker, batch, dead, false)
                .onErrorResume(RowLevelFailure.class, rowFailure -> {
                    LOG.debug(
                            "pipeline={} checkpoint={} sink={} a row was refused ({}); writing again under savepoints",
                            pipeline,
                            marker.checkpointId(),
                            settings.name(),
                            rowFailure.getMessage());
                    return attempt(marker, batch, dead, true);
                })
                .doOnNext(outcome -> committed(marker, sealed.records(), batch, dead, outcome))
                .onErrorMap(failure -> PgErrors.translate(
                        "pipeline '" + pipeline + "': checkpoint " + marker.checkpointId() + " in '" + settings.name()
                                + "'",
                        failure))
                .then();
    }

    private Mono<DataOutcome> attempt(
            Marker<?> marker, DataTarget.Batch batch, List<DeadLetter<?>> dead, boolean careful) {
        Map<SourcePartition, Long> claimed = new HashMap<>(epochs);
        return Transactions.run(
                settings.connectionFactory(),
                connection -> statements
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
                        .flatMap(outcome -> stateAndDeadLetters(connection, marker, batch, dead, outcome))
                        .doOnNext(outcome -> protocolListener.reached(
                                ProtocolPoint.BEFORE_TRANSACTION_COMMIT, marker.checkpointId())));
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
                .writeState(connection, pipeline, marker.checkpointId(), marker.stateChanges(), settings.chunkSize())
                .then(deadLetterInsert)
                .thenReturn(outcome);
    }

    /**
     * The commit's failure when the fenced update did not match: a partition claimed by another owner since this run
     * claimed it is retryable (the restarted run claims what it is assigned now); the instance opened again by
     * another process is not.
     */
    private Mono<CommitStatements.Fence> fenced(Connection connection, Marker<?> marker, CommitStatements.Fence fence) {
        return statements
                .owners(connection, pipeline, marker.positions().partitions())
                .flatMap(owners -> {
                    boolean partitionMoved = fence.instance() == 1;
                    String reason = partitionMoved
                            ? "a partition was claimed by another owner since this run claimed it; owners now: "
                                    + owners + "; the run restarts and claims what it is assigned now"
                            : "instance '" + instanceId + "' was opened again (epoch " + instance.epoch()
                                    + " is no longer the instance's): this process stops";
                    COMMIT.warn(
                            "pipeline={} checkpoint={} sink={} fenced, rolled back: {}",
                            pipeline,
                            marker.checkpointId(),
                            settings.name(),
                            reason);
                    String message = "pipeline '" + pipeline + "': checkpoint " + marker.checkpointId() + " in '"
                            + settings.name() + "' rolled back: " + reason;
                    return Mono.error(
                            partitionMoved
                                    ? new PartitionFencedException(message, null)
                                    : new FencedException(message, null));
                });
    }

    private void committed(
            Marker<?> marker, int records, DataTarget.Batch batch, List<DeadLetter<?>> dead, DataOutcome outcome) {
        int refused = batch.rejected().size() + outcome.rejected().size();
        if (refused > 0) {
            deadLettered.increment(refused);
            List<DeadLetter<?>> all = new ArrayList<>(batch.rejected());
            all.addAll(outcome.rejected());
            COMMIT.warn(
                    "pipeline={} checkpoint={} sink={} dead-lettered {} records, first {}",
                    pipeline,
                    marker.checkpointId(),
                    settings.name(),
                    refused,
                    all.get(0));
            for (DeadLetter<?> deadLetter : all) {
                COMMIT.debug(
                        "pipeline={} checkpoint={} sink={} dead-lettered {}",
                        pipeline,
                        marker.checkpointId(),
                        settings.name(),
                        deadLetter);
            }
        }
        COMMIT.debug(
                "pipeline={} checkpoint={} sink={} committed records={} rows={} statements={} stateChanges={}"
                        + " deadLetters={} positions={}",
                pipeline,
                marker.checkpointId(),
                settings.name(),
                records,
                outcome.rows(),
                outcome.statements(),
                marker.stateChanges().size(),
                dead.size() + refused,
                marker.positions());
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
        return Mono.empty();
    }
}
