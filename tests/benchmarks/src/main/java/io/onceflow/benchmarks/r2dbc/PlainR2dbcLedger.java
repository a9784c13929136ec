package io.onceflow.benchmarks.r2dbc;

import io.onceflow.benchmarks.r2dbc.Ledger.Balance;
import io.onceflow.benchmarks.r2dbc.Ledger.Payment;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * (b') The ledger at least once, as one would write it with plain Reactor and R2DBC, no Onceflow: the balance folded in
 * a map, the
 * rows of each interval coalesced per account and upserted in auto-commit, the offsets written after. The same
 * statement shape as the sink's (unnest arrays, chunks of 5,000). A reference: the difference with (a) is Onceflow's
 * per-record machinery (markers, the keyed operator, the sink's buffer) and the exactly-once protocol together.
 */
final class PlainR2dbcLedger {

    private static final int CHUNK = 5_000;
    private static final String UPSERT = "INSERT INTO balances AS t (account, balance_cents, payments, last_payment)"
            + " SELECT * FROM unnest($1::text[], $2::int8[], $3::int8[], $4::int8[])"
            + " ON CONFLICT (account) DO UPDATE SET balance_cents = EXCLUDED.balance_cents,"
            + " payments = EXCLUDED.payments, last_payment = EXCLUDED.last_payment";
    private static final String OFFSETS = "INSERT INTO plain_offsets (source_partition, next_offset)"
            + " SELECT * FROM unnest($1::int4[], $2::int8[])"
            + " ON CONFLICT (source_partition) DO UPDATE SET next_offset = EXCLUDED.next_offset";

    private PlainR2dbcLedger() {}

    /** A record as read: where it came from, and the payment. */
    private record Read(int partition, long offset, Payment payment) {}

    /** A folded record: the new balance, and where it came from. */
    private record Folded(Balance balance, int partition, long offset) {}

    static io.onceflow.benchmarks.r2dbc.Result run(LedgerInput input, BenchDatabase db, Duration flushEvery)
            throws Exception {
        List<Read> records = new ArrayList<>((int) input.records());
        input.read((partition, offset, payment) -> records.add(new Read(partition, offset, payment)));
        Map<String, Balance> state = new HashMap<>();
        int partitions = input.partitions();

        io.onceflow.benchmarks.r2dbc.Result.Commits commits = new io.onceflow.benchmarks.r2dbc.Result.Commits();
        long[] nextCut = {System.nanoTime() + flushEvery.toNanos()};
        Flux.fromIterable(records)
                .map(read -> {
                    Payment payment = read.payment();
                    Balance balance = state.computeIfAbsent(payment.account(), Balance::empty)
                            .apply(payment);
                    state.put(payment.account(), balance);
                    return new Folded(balance, read.partition(), read.offset());
                })
                // a batch per interval, demand-driven: the loop waits while a batch is written
                .bufferUntil(folded -> {
                    long now = System.nanoTime();
                    if (now < nextCut[0]) {
                        return false;
                    }
                    nextCut[0] = now + flushEvery.toNanos();
                    return true;
                })
                .concatMap(batch -> Mono.usingWhen(
                                db.pool().create(),
                                connection -> flush(connection, batch, partitions),
                                Connection::close)
                        .doOnSuccess(done -> commits.committed(batch.size())))
                .blockLast(Duration.ofMinutes(30));
        return commits.result(records.size());
    }

    private static Mono<Void> flush(Connection connection, List<Folded> batch, int partitions) {
        Map<String, Balance> last = new LinkedHashMap<>();
        long[] next = new long[partitions];
        for (Folded folded : batch) {
            last.put(folded.balance().account(), folded.balance());
            next[folded.partition()] = Math.max(next[folded.partition()], folded.offset() + 1);
        }
        List<Balance> rows = new ArrayList<>(last.values());
        Mono<Void> upserts = Flux.range(0, (rows.size() + CHUNK - 1) / CHUNK)
                .concatMap(chunk -> execute(
                        connection.createStatement(UPSERT),
                        rows.subList(chunk * CHUNK, Math.min(rows.size(), (chunk + 1) * CHUNK))))
                .then();
        StringBuilder numbers = new StringBuilder("{");
        StringBuilder offsets = new StringBuilder("{");
        for (int p = 0; p < partitions; p++) {
            numbers.append(p).append(p + 1 < partitions ? "," : "}");
            offsets.append(next[p]).append(p + 1 < partitions ? "," : "}");
        }
        Statement offsetsStatement =
                connection.createStatement(OFFSETS).bind(0, numbers.toString()).bind(1, offsets.toString());
        return upserts.then(Flux.from(offsetsStatement.execute())
                .concatMap(Result::getRowsUpdated)
                .then());
    }

    private static Mono<Long> execute(Statement statement, List<Balance> rows) {
        StringBuilder accounts = new StringBuilder("{");
        StringBuilder cents = new StringBuilder("{");
        StringBuilder counts = new StringBuilder("{");
        StringBuilder lasts = new StringBuilder("{");
        for (int i = 0; i < rows.size(); i++) {
            Balance b = rows.get(i);
            String separator = i + 1 < rows.size() ? "," : "}";
            accounts.append('"').append(b.account()).append('"').append(separator);
            cents.append(b.cents()).append(separator);
            counts.append(b.payments()).append(separator);
            lasts.append(b.lastPaymentId()).append(separator);
        }
        return Flux.from(statement
                        .bind(0, accounts.toString())
                        .bind(1, cents.toString())
                        .bind(2, counts.toString())
                        .bind(3, lasts.toString())
                        .execute())
                .concatMap(Result::getRowsUpdated)
                .reduce(0L, Long::sum);
    }
}
