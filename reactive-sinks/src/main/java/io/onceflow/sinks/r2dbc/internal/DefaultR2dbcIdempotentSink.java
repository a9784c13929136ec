package io.onceflow.sinks.r2dbc.internal;

import static java.util.Objects.requireNonNull;

import io.onceflow.core.IdempotentSink;
import io.onceflow.core.SinkContext;
import io.onceflow.core.SinkWriter;
import io.onceflow.sinks.r2dbc.R2dbcSinkMode;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import reactor.core.publisher.Mono;

/** The upsert sink as an idempotent participant: version-guarded upserts, replay-safe. */
public final class DefaultR2dbcIdempotentSink<T> implements R2dbcUpsertSink<T>, IdempotentSink<T> {

    private final R2dbcSinkOptions<T> options;

    public DefaultR2dbcIdempotentSink(R2dbcSinkOptions<T> options) {
        this.options = requireNonNull(options, "options");
        if (options.mode() != R2dbcSinkMode.IDEMPOTENT) {
            throw new IllegalArgumentException("options of mode " + options.mode() + " for an idempotent sink");
        }
    }

    @Override
    public R2dbcSinkOptions<T> options() {
        return options;
    }

    @Override
    public Mono<SinkWriter<T>> open(SinkContext context) {
        return PgIdempotentWriter.open(options, context);
    }

    @Override
    public String toString() {
        return "R2dbcUpsertSink[" + options.name() + ", idempotent, table " + options.table() + "]";
    }
}
