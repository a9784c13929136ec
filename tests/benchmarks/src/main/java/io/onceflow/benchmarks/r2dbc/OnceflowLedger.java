package io.onceflow.benchmarks.r2dbc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.benchmarks.r2dbc.Ledger.Balance;
import io.onceflow.benchmarks.r2dbc.Ledger.Payment;
import io.onceflow.core.Onceflow;
import io.onceflow.core.PipelineBuilder;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.testkit.InMemoryCommitPoint;
import io.onceflow.sinks.r2dbc.R2dbcSinkMode;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import java.time.Duration;

/**
 * The ledger in Onceflow: a keyed running balance into the R2DBC upsert sink.
 *
 * <ul>
 *   <li>(a) {@link #exactlyOnce}: the sink is the commit point; one transaction per checkpoint holds the rows, the
 *       keyed state and the offsets, epoch-fenced.
 *   <li>(b) {@link #atLeastOnce}: the same pipeline, the same upserts (one transaction per checkpoint, idempotent
 *       mode), but positions and state are kept in memory, where a Kafka source would keep its group offsets: what
 *       the database does is the at-least-once job, and the difference with (a) is the cost of exactly once.
 * </ul>
 */
final class OnceflowLedger {

    private OnceflowLedger() {}

    static Result exactlyOnce(LedgerInput input, BenchDatabase db, Duration checkpointEvery) {
        return run(input, db, checkpointEvery, R2dbcSinkMode.COMMIT_POINT);
    }

    static Result atLeastOnce(LedgerInput input, BenchDatabase db, Duration checkpointEvery) {
        return run(input, db, checkpointEvery, R2dbcSinkMode.IDEMPOTENT);
    }

    /**
     * Whether the sink coalesces by a row key function ({@code lastWriteWins(Balance::account)}: a row made for the
     * newest record of each account only), as the ledger's users are told to; {@code -Dbench.ledger.rowKey=false}
     * measures {@code lastWriteWins()}, a row made for every record and then coalesced.
     */
    private static final boolean ROW_KEY = Boolean.parseBoolean(System.getProperty("bench.ledger.rowKey", "true"));

    private static Result run(LedgerInput input, BenchDatabase db, Duration checkpointEvery, R2dbcSinkMode mode) {
        R2dbcSinkOptions.Builder<Balance> options = R2dbcSinkOptions.<Balance>builder()
                .connectionFactory(db.pool())
                .table("balances")
                .key("account")
                .columns(Balance::row)
                .mode(mode);
        R2dbcUpsertSink<Balance> sink = R2dbcUpsertSink.create(
                (ROW_KEY ? options.lastWriteWins(Balance::account) : options.lastWriteWins()).build());
        PipelineBuilder builder = Onceflow.pipeline("ledger")
                .checkpointEvery(checkpointEvery)
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.never());
        if (mode == R2dbcSinkMode.IDEMPOTENT) {
            builder = builder.checkpointStore(InMemoryCommitPoint.create("positions-in-memory"));
        }
        var pipeline = builder.from(input.source())
                .keyed("balances", Payment::account, Balance::empty, Balance::apply)
                .to(sink);
        long expected = input.records();
        Result.Commits commits = new Result.Commits();
        long[] committed = {0};
        // a Kafka source never completes: the run ends with the checkpoint that commits the last record
        (input.completes()
                        ? pipeline.run().doOnNext(event -> commits.committed(event.records()))
                        : pipeline.run()
                                .doOnNext(event -> {
                                    commits.committed(event.records());
                                    committed[0] += event.records();
                                })
                                .takeUntil(event -> committed[0] >= expected))
                .then()
                .block(Duration.ofMinutes(30));
        Result result = commits.result(expected);
        return new Result(
                result.committedBy().length == 0 ? 0 : result.committedBy()[result.committedBy().length - 1],
                result.nanos(),
                result.commitNanos(),
                result.committedBy());
    }
}
