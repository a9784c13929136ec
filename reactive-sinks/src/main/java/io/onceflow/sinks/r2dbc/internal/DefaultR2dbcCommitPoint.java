package io.onceflow.sinks.r2dbc.internal;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.CommitPoint;
import io.onceflow.core.CommitPointWriter;
import io.onceflow.core.SinkContext;
import io.onceflow.sinks.r2dbc.R2dbcSinkMode;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import reactor.core.publisher.Mono;

/** The upsert sink as the pipeline's commit point: rows, state and positions in one fenced transaction. */
public final class DefaultR2dbcCommitPoint<T> implements R2dbcUpsertSink<T>, CommitPoint<T> {

    private final R2dbcSinkOptions<T> options;

    public DefaultR2dbcCommitPoint(R2dbcSinkOptions<T> options) {
        this.options = requireNonNull(options, "options");
        if (options.mode() != R2dbcSinkMode.COMMIT_POINT) {
            throw new IllegalArgumentException("options of mode " + options.mode() + " for a commit point");
        }
    }

    @Override
    public R2dbcSinkOptions<T> options() {
        return options;
    }

    @Override
    public boolean hasDeadLetterDestination() {
        return options.deadLetterTable() != null;
    }

    @Override
    public Mono<CommitPointWriter<T>> open(SinkContext context) {
        return PgCommitPointWriter.open(
                StoreSettings.of(options),
                context,
                connection -> Catalog.describe(connection, options.table())
                        .doOnNext(info -> Schema.verifyTarget(info, options.keyColumns(), null))
                        .map(info -> new DataTarget<>(options, info, null)),
                options.lastWriteWins(),
                options.maxBufferedRecords(),
                options.streamRows()
                        ? new PgCommitPointWriter.StreamSettings(
                                Math.min(options.chunkSize(), R2dbcSinkOptions.STREAM_CHUNK_ROWS),
                                options.openTransactionTimeout())
                        : null);
    }

    @Override
    public String toString() {
        return "R2dbcUpsertSink[" + options.name() + ", commit point, table " + options.table() + "]";
    }
}
