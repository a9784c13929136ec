package io.onceflow.sinks.r2dbc.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.onceflow.core.Data;
import io.onceflow.core.DeadLetter;
import io.onceflow.core.Marker;
import io.onceflow.core.OnceflowMeters;
import io.onceflow.core.PoisonRecordException;
import io.onceflow.core.SinkContext;
import io.onceflow.core.SinkWriter;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * An idempotent upsert sink's writer for one run: each checkpoint's rows in one transaction of version-guarded
 * upserts, with the rows the database refuses dead-lettered in the same transaction.
 *
 * <p>Rows the guard leaves unchanged (a replay: the row already holds this version or a newer one) are counted as
 * suppressed duplicates, once the transaction has committed.
 */
final class PgIdempotentWriter<T> implements SinkWriter<T> {

    private static final Logger COMMIT = LoggerFactory.getLogger("io.onceflow.COMMIT");

    private final R2dbcSinkOptions<T> options;
    private final SinkContext context;
    private final String pipeline;
    private final DataTarget<T> data;
    private final @Nullable DeadLetterStatements deadLetterStatements;
    private final Counter suppressed;
    private final Counter deadLettered;
    private final AtomicInteger sealedRows = new AtomicInteger();
    private final RowBuffer buffer;

    PgIdempotentWriter(R2dbcSinkOptions<T> options, SinkContext context, DataTarget<T> data) {
        this.options = options;
        this.context = context;
        this.pipeline = context.pipeline();
        this.data = data;
        this.buffer = new RowBuffer(options.lastWriteWins());
        String deadLetterTable = options.deadLetterTable();
        this.deadLetterStatements =
                deadLetterTable == null ? null : new DeadLetterStatements(deadLetterTable, options.jsonMapper());
        this.suppressed = Counter.builder(OnceflowMeters.DUPLICATES_SUPPRESSED)
                .tags(context.tags())
                .register(context.meterRegistry());
        this.deadLettered = Counter.builder(OnceflowMeters.RECORDS_DEAD_LETTERED)
                .tags(Tags.of(OnceflowMeters.TAG_PIPELINE, pipeline))
                .register(context.meterRegistry());
    }

    /** Opens an idempotent writer: checks the target table with its version columns, and the dead-letter table. */
    static <T> Mono<SinkWriter<T>> open(R2dbcSinkOptions<T> options, SinkContext context) {
        String deadLetterTable = options.deadLetterTable();
        return Transactions.withConnection(
                        options.connectionFactory(),
                        connection -> Catalog.describe(connection, options.table())
                                .doOnNext(info ->
                                        Schema.verifyTarget(info, options.keyColumns(), options.versionColumns()))
                                .flatMap(info -> (deadLetterTable == null
                                                ? Mono.<Void>empty()
                                                : Schema.checkDeadLetterTable(connection, deadLetterTable))
                                        .thenReturn(info)))
                .<SinkWriter<T>>map(info -> new PgIdempotentWriter<>(
                        options, context, new DataTarget<>(options, info, options.versionColumns())))
                .onErrorMap(failure -> PgErrors.translate("opening '" + options.name() + "'", failure));
    }

    @Override
    public void write(Data<T> record) {
        data.prepare(record, buffer);
    }

    @Override
    public Mono<Void> checkpoint(Marker<?> marker) {
        RowBuffer.Sealed sealed = buffer.seal();
        if (sealed.records() == 0) {
            return Mono.empty();
        }
        sealedRows.addAndGet(sealed.size());
        return Mono.defer(() -> flush(marker, sealed)).doFinally(signal -> sealedRows.addAndGet(-sealed.size()));
    }

    /**
     * Where the rows this sink cannot write go: its own dead-letter table, or else the commit point's dead-letter
     * destination (handed over through the context, committed with the checkpoint being flushed), or else nowhere,
     * and the pipeline stops on the first.
     */
    private boolean relaysDeadLetters() {
        return deadLetterStatements == null && context.acceptsDeadLetters();
    }

    private Mono<Void> flush(Marker<?> marker, RowBuffer.Sealed sealed) {
        DataTarget.Batch batch = data.batch(sealed);
        if (!batch.rejected().isEmpty() && deadLetterStatements == null && !relaysDeadLetters()) {
            return Mono.error(
                    new PoisonRecordException(pipeline, batch.rejected().get(0)));
        }
        return attempt(marker, batch, false)
                .onErrorResume(RowLevelFailure.class, rowFailure -> attempt(marker, batch, true))
                .doOnNext(outcome -> {
                    int refused = batch.rejected().size() + outcome.rejected().size();
                    suppressed.increment(outcome.unchanged());
                    if (refused > 0 && relaysDeadLetters()) {
                        // before this flush completes: the commit point commits them with this very checkpoint
                        batch.rejected().forEach(dead -> context.deadLetter(marker.checkpointId(), dead));
                        outcome.rejected().forEach(dead -> context.deadLetter(marker.checkpointId(), dead));
                    } else if (refused > 0) {
                        deadLettered.increment(refused);
                    }
                    if (refused > 0) {
                        COMMIT.warn(
                                "pipeline={} checkpoint={} sink={} dead-lettered {} rows, first {}",
                                pipeline,
                                marker.checkpointId(),
                                options.name(),
                                refused,
                                batch.rejected().isEmpty()
                                        ? outcome.rejected().get(0)
                                        : batch.rejected().get(0));
                    }
                    COMMIT.debug(
                            "pipeline={} checkpoint={} sink={} flushed records={} rows={} changed={} suppressed={}"
                                    + " statements={}",
                            pipeline,
                            marker.checkpointId(),
                            options.name(),
                            sealed.records(),
                            outcome.rows(),
                            outcome.changed(),
                            outcome.unchanged(),
                            outcome.statements());
                })
                .onErrorMap(failure -> PgErrors.translate(
                        "pipeline '" + pipeline + "': flushing checkpoint " + marker.checkpointId() + " to '"
                                + options.name() + "'",
                        failure))
                .then();
    }

    private Mono<DataOutcome> attempt(Marker<?> marker, DataTarget.Batch batch, boolean careful) {
        return Transactions.run(
                options.connectionFactory(),
                connection -> data.write(connection, batch, careful).flatMap(outcome -> {
                    if (!outcome.rejected().isEmpty() && deadLetterStatements == null && !relaysDeadLetters()) {
                        return Mono.error(new PoisonRecordException(
                                pipeline, outcome.rejected().get(0)));
                    }
                    if (deadLetterStatements == null) {
                        return Mono.just(outcome);
                    }
                    List<DeadLetter<?>> refused = new ArrayList<>(batch.rejected());
                    refused.addAll(outcome.rejected());
                    return deadLetterStatements
                            .insert(
                                    connection,
                                    pipeline,
                                    options.name(),
                                    marker.checkpointId(),
                                    refused,
                                    options.chunkSize())
                            .thenReturn(outcome);
                }));
    }

    @Override
    public int bufferedRecords() {
        return buffer.size() + sealedRows.get();
    }

    @Override
    public int maxBufferedRecords() {
        return options.maxBufferedRecords();
    }

    @Override
    public Mono<Void> close() {
        return Mono.empty();
    }
}
